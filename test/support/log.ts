import { vi } from "vitest";

type LogLine = Record<string, unknown>;

/**
 * The JSON lines the relay logged through `console.log` while `run` ran. Every line still goes
 * through to the console (and so to the per-file secret scan in capture-setup.ts); a line that is
 * not one JSON object fails the test, because the relay logs nothing else.
 */
export async function loggedLines<T>(run: () => Promise<T>): Promise<{ result: T; lines: LogLine[] }> {
  const spy = vi.spyOn(console, "log");
  try {
    const result = await run();
    return { result, lines: spy.mock.calls.map(jsonLine) };
  } finally {
    spy.mockRestore();
  }
}

/** Watches `console.log` the same way: `lines()` are the JSON lines logged so far, and throws on any other. */
export function watchLog() {
  const spy = vi.spyOn(console, "log");
  return {
    lines: (): LogLine[] => spy.mock.calls.map(jsonLine),
    restore: () => spy.mockRestore(),
  };
}

/** One `console.log` call as the JSON object it must be. */
function jsonLine(args: unknown[]): LogLine {
  const [line] = args;
  const parsed = args.length === 1 && typeof line === "string" ? parseOrUndefined(line) : undefined;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`a log line that is not one JSON object: ${describe(args)}`);
  }
  return parsed as LogLine;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Enough of the offending call to find where it was logged. */
function describe(args: unknown[]): string {
  const text = args.map((arg) => (typeof arg === "string" ? arg : String(arg))).join(" ");
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
