/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import deliveryDoc from "../../docs/delivery.md?raw";
import deployDoc from "../../docs/deploy.md?raw";
import type { Env } from "../../src/env";
import { DEFAULT_RETRY_SCHEDULE, DEFAULTS, settingsOf } from "../../src/settings";
import wranglerToml from "../../wrangler.toml?raw";

/** `NAME = "value"` lines of wrangler.toml's `[vars]` table. */
function tomlVars(toml: string): Record<string, string> {
  const section = toml.split(/^\[vars\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
  return Object.fromEntries([...section.matchAll(/^([A-Z0-9_]+) = "(.*)"$/gm)].map((m) => [m[1], m[2]]));
}

/** The row of docs/deploy.md's vars table for one var. */
function deployRow(name: string): string | undefined {
  return deployDoc.split("\n").find((line) => line.startsWith(`| \`${name}\` |`));
}

describe("defaults: src/settings.ts is the source", () => {
  it("applies DEFAULTS when no var is set", () => {
    expect(settingsOf({} as Env)).toEqual({
      replayWindowSeconds: 3600,
      dedupTtlSeconds: 86_400,
      retrySchedule: [10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200],
      allowInsecureTargets: false,
      huaweiApiBase: "https://api.meeting.huaweicloud.com",
    });
  });

  it.each(Object.entries(DEFAULTS))("wrangler.toml [vars] sets %s to its default", (name, value) => {
    expect(tomlVars(wranglerToml)[name]).toBe(value);
  });

  it.each(Object.entries(DEFAULTS))("docs/deploy.md states the default of %s", (name, value) => {
    expect(deployRow(name)).toContain(`default \`${value}\``);
  });

  it("docs/deploy.md and docs/delivery.md count the default schedule's attempts right", () => {
    const attempts = DEFAULT_RETRY_SCHEDULE.length + 1;
    expect(deployRow("RETRY_SCHEDULE")).toContain(`(${attempts} attempts`);
    expect(deliveryDoc).toContain(`The default \`${DEFAULTS.RETRY_SCHEDULE}\` makes ${attempts} attempts`);
  });
});
