/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import deployDoc from "../../docs/deploy.md?raw";
import type { Env } from "../../src/core/env";
import { SettingsError } from "../../src/core/errors";
import { DEFAULTS, MAX_DELAY_SECONDS, settingsOf, WAITS } from "../../src/core/settings";
import { VARS } from "../../src/core/vars";
import wranglerToml from "../../wrangler.toml?raw";

/** `NAME = "value"` lines of wrangler.toml's `[vars]` table, in order. */
function tomlVars(toml: string): [string, string][] {
  const section = toml.split(/^\[vars\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
  return [...section.matchAll(/^([A-Z0-9_]+) = "(.*)"$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]);
}

/** The rows of docs/deploy.md's vars table ("| var | set it to |"), by var name. */
function deployRows(): Map<string, string> {
  const table = deployDoc.split(/^\| var \| set it to \|$/m)[1]?.split(/\n\n/)[0] ?? "";
  return new Map([...table.matchAll(/^\| `([A-Z0-9_]+)` \|(.*)$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]));
}

describe("the settings table (VARS in src/core/vars.ts)", () => {
  it("lists exactly wrangler.toml's [vars], in the same order, with the same defaults", () => {
    expect(VARS.map((spec) => [spec.name, spec.default])).toEqual(tomlVars(wranglerToml));
  });

  it("lists exactly the vars of docs/deploy.md's vars table", () => {
    expect([...deployRows().keys()]).toEqual(VARS.map((spec) => spec.name));
  });

  it.each(VARS.filter((spec) => spec.default !== "").map((spec) => [spec.name, spec.default]))(
    "docs/deploy.md states the default of %s",
    (name, value) => {
      expect(deployRows().get(name)).toContain(`default \`${value}\``);
    },
  );

  it("takes every default from DEFAULTS, and has a row for every default", () => {
    for (const [name, value] of Object.entries(DEFAULTS)) {
      expect(VARS.find((spec) => spec.name === name)?.default).toBe(value);
    }
  });

  it("describes every var and what it takes", () => {
    for (const spec of VARS) {
      expect(spec.description.length, spec.name).toBeGreaterThan(10);
      expect(spec.validation.length, spec.name).toBeGreaterThan(10);
    }
  });

  it.each([
    ["REPLAY_WINDOW_SECONDS", "a day"],
    ["DEDUP_TTL_SECONDS", "-1"],
    ["RETRY_SCHEDULE", "10,soon"],
    ["RETRY_SCHEDULE", "43200,43200,43200,43200,43200,43200"],
  ])("fails one way for %s=%j: a SettingsError naming the var", (name, value) => {
    const read = () => settingsOf({ [name]: value } as unknown as Env);
    expect(read).toThrow(SettingsError);
    expect(read).toThrow(name);
  });
});

/** The `[[queues.consumers]]` entry of one queue in wrangler.toml, as `key = value` pairs. */
function consumerOf(queue: string): Record<string, string> {
  const entry = wranglerToml
    .split(/^\[\[queues\.consumers\]\]\s*$/m)
    .find((part) => part.split("\n").includes(`queue = "${queue}"`));
  const section = entry?.split(/^\[/m)[0] ?? "";
  return Object.fromEntries([...section.matchAll(/^([a-z_]+) = "?([^"\n]*)"?$/gm)].map((m) => [m[1], m[2]]));
}

describe("the fixed waits (WAITS in src/core/settings.ts)", () => {
  it("are whole seconds a queue message can be delayed by", () => {
    for (const [name, seconds] of Object.entries(WAITS)) {
      expect(Number.isInteger(seconds) && seconds > 0 && seconds <= MAX_DELAY_SECONDS, name).toBe(true);
    }
  });

  it("wait for KV as long as the dead-letter queue's own retry_delay in wrangler.toml", () => {
    expect(consumerOf("meeting-relay-dlq").retry_delay).toBe(String(WAITS.deadLetterStoreRetrySeconds));
  });
});
