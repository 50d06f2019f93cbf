/**
 * Runs before every worker-level test file: records every console line and every
 * response the worker's fetch handler returns, and fails the file if any of them
 * carries one of the suite's credentials. Secrets never appear in logs or responses.
 */
import { afterAll } from "vitest";
import worker from "../../src/index";
import { leakedSecrets } from "./hygiene";

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
  const leaks = seen.flatMap(({ where, text }) =>
    leakedSecrets(text).map((secret) => `${where} contains ${secret.slice(0, 4)}…`),
  );
  if (leaks.length > 0) throw new Error(`secrets leaked:\n${[...new Set(leaks)].join("\n")}`);
});

export function capturedText(): string[] {
  return seen.map(({ text }) => text);
}
