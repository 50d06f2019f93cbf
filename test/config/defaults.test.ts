/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import deliveryDoc from "../../docs/delivery.md?raw";
import deployDoc from "../../docs/deploy.md?raw";
import type { Env } from "../../src/core/env";
import { SettingsError } from "../../src/core/errors";
import { DEFAULT_RETRY_SCHEDULE, DEFAULTS, settingsOf } from "../../src/core/settings";
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

describe("defaults: src/core/settings.ts is the source", () => {
  it("applies DEFAULTS when no var is set", () => {
    expect(settingsOf({} as Env)).toEqual({
      replayWindowSeconds: 86_400,
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

describe("REPLAY_WINDOW_SECONDS and DEDUP_TTL_SECONDS", () => {
  const settings = (vars: Record<string, string>) => settingsOf(vars as unknown as Env);

  it("defaults to a day, the dedup window: a platform's retries of a day (Huawei retries for 24 h) are never stale", () => {
    expect(DEFAULTS.REPLAY_WINDOW_SECONDS).toBe("86400");
    expect(DEFAULTS.REPLAY_WINDOW_SECONDS).toBe(DEFAULTS.DEDUP_TTL_SECONDS);
  });

  it.each([
    [{ REPLAY_WINDOW_SECONDS: "86401" }, 86_401, 86_400],
    [{ DEDUP_TTL_SECONDS: "3600" }, 86_400, 3600],
    [{ REPLAY_WINDOW_SECONDS: "7200", DEDUP_TTL_SECONDS: "3600" }, 7200, 3600],
  ])("refuses a replay window longer than the dedup window, naming both: %j", (vars, window, ttl) => {
    expect(() => settings(vars)).toThrow(SettingsError);
    expect(() => settings(vars)).toThrow(
      `REPLAY_WINDOW_SECONDS (${window}) must not exceed DEDUP_TTL_SECONDS (${ttl}): a signed request replayed within the replay window must still be remembered as a repeat; lower REPLAY_WINDOW_SECONDS or raise DEDUP_TTL_SECONDS`,
    );
  });

  it.each([
    [{ REPLAY_WINDOW_SECONDS: "86400", DEDUP_TTL_SECONDS: "86400" }, 86_400],
    [{ REPLAY_WINDOW_SECONDS: "3600", DEDUP_TTL_SECONDS: "3600" }, 3600],
    [{ REPLAY_WINDOW_SECONDS: "0", DEDUP_TTL_SECONDS: "60" }, 0],
  ])("takes a replay window up to the dedup window, and 0 (no check) with any: %j", (vars, window) => {
    expect(settings(vars).replayWindowSeconds).toBe(window);
  });
});
