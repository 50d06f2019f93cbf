/**
 * Runs before every worker-level test file: records every console line and every
 * response the worker's fetch handler returns, and fails the file if any of them
 * carries one of the suite's credentials. Secrets never appear in logs or responses.
 */
import { afterAll } from "vitest";
import worker from "../../src/index";
import { leakedSecrets, SECRET_VALUES } from "./hygiene";

const seen: { where: string; text: string }[] = [];

for (const method of ["log", "info", "warn", "error", "debug"] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    seen.push({
      where: `console.${method}`,
      text: args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "),
    });
    original(...args);
  };
}

const handler = worker.fetch;
worker.fetch = (async (...args: Parameters<typeof handler>) => {
  const response = await handler(...args);
  const request = args[0] as Request;
  seen.push({
    where: `response to ${request.method} ${new URL(request.url).pathname}`,
    text: await response.clone().text(),
  });
  return response;
}) as typeof handler;

afterAll(() => {
  const leaks = leaksSeen();
  if (leaks.length > 0) throw new Error(`secrets leaked:\n${leaks.join("\n")}`);
});

/** Every console line and response body recorded so far in this file. */
export function capturedText(): string[] {
  return seen.map(({ text }) => text);
}

/** Where each of `secrets` was seen so far in this file, one entry per place; what the file's scan reports. */
export function leaksSeen(secrets: readonly string[] = SECRET_VALUES): string[] {
  const leaks = seen.flatMap(({ where, text }) =>
    leakedSecrets(text, secrets).map((secret) => `${where} contains ${secret.slice(0, 4)}…`),
  );
  return [...new Set(leaks)];
}
