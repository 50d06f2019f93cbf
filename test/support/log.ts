import { vi } from "vitest";

/** The JSON lines the relay logged through `console.log` while `run` ran. */
export async function loggedLines<T>(run: () => Promise<T>): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const spy = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    const result = await run();
    const lines = spy.mock.calls.flatMap(([first]) => {
      if (typeof first !== "string") return [];
      try {
        return [JSON.parse(first) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    return { result, lines };
  } finally {
    spy.mockRestore();
  }
}

/** Watches `console.log` without silencing it: `lines()` are the JSON lines logged so far. */
export function watchLog() {
  const spy = vi.spyOn(console, "log");
  return {
    lines: (): Record<string, unknown>[] =>
      spy.mock.calls.flatMap(([first]) => {
        if (typeof first !== "string" || !first.startsWith("{")) return [];
        return [JSON.parse(first) as Record<string, unknown>];
      }),
    restore: () => spy.mockRestore(),
  };
}
