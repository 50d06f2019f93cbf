import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../tools/harness/index.ts";

const directory = mkdtempSync(join(tmpdir(), "meeting-relay-deploy-vars-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** wrangler.toml with real-looking ids, so that only what a test changes can stop it. */
const READY = readFileSync(join(PROJECT_ROOT, "wrangler.toml"), "utf8")
  .replace('main = "src/index.ts"', `main = "${join(PROJECT_ROOT, "src/index.ts")}"`)
  .replace('directory = "./public"', `directory = "${join(PROJECT_ROOT, "public")}"`)
  .replace('migrations_dir = "migrations"', `migrations_dir = "${join(PROJECT_ROOT, "migrations")}"`)
  .replace("00000000000000000000000000000001", "3f1c2b0a9d8e4f7a6b5c4d3e2f1a0b9c")
  .replace("00000000000000000000000000000002", "7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b")
  .replace("00000000-0000-0000-0000-000000000003", "c0ffee00-1234-4abc-8def-0123456789ab");

/** `npm run check-deploy -- …` as a user runs it. */
function checkDeploy(...args: string[]) {
  const result = spawnSync(process.execPath, ["scripts/check-deploy.ts", ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

/** check-deploy on the ready config with `[vars]` lines replaced. */
function withVars(name: string, vars: Record<string, string>) {
  let text = READY;
  for (const [key, line] of Object.entries(vars)) {
    text = text.replace(new RegExp(`^${key} = .*$`, "m"), `${key} = ${line}`);
  }
  const file = join(directory, `${name}.toml`);
  writeFileSync(file, text);
  return checkDeploy("--config", file);
}

describe("npm run check-deploy reads [vars] as the relay does", () => {
  it("refuses ALLOW_INSECURE_TARGETS = true written without quotes", () => {
    const result = withVars("bare-true", { ALLOW_INSECURE_TARGETS: "true" });
    expect(result.output).toContain('ALLOW_INSECURE_TARGETS is "true": that is for local development only');
    expect(result.status).toBe(1);
  });

  it("refuses vars the relay would answer 503 for, naming each", () => {
    const empty = withVars("empty-window", { REPLAY_WINDOW_SECONDS: '""', DEDUP_TTL_SECONDS: '"3600"' });
    expect(empty.output).toContain("REPLAY_WINDOW_SECONDS (86400) must not exceed DEDUP_TTL_SECONDS (3600)");
    expect(empty.status).toBe(1);
    const ttl = withVars("ttl-words", { DEDUP_TTL_SECONDS: '"1d"' });
    expect(ttl.output).toContain('DEDUP_TTL_SECONDS must be a whole number of seconds, got "1d"');
    expect(ttl.status).toBe(1);
    const schedule = withVars("schedule", { RETRY_SCHEDULE: '"10,30,soon"' });
    expect(schedule.output).toContain('RETRY_SCHEDULE must be comma-separated whole seconds, got "10,30,soon"');
    expect(schedule.status).toBe(1);
  });

  it("passes a DEDUP_TTL_SECONDS under 60, which the relay counts as 60", () => {
    const result = withVars("short-ttl", { REPLAY_WINDOW_SECONDS: '"45"', DEDUP_TTL_SECONDS: '"30"' });
    expect(result.output).toContain("ready to deploy");
    expect(result.status).toBe(0);
  });
});

describe("npm run check-deploy on bad input", () => {
  it("names a config file that cannot be read, without a stack trace, and exits 1", () => {
    const missing = join(directory, "missing.toml");
    const result = checkDeploy("--config", missing);
    expect(result.output).toContain(missing);
    expect(result.output).not.toMatch(/^\s+at /m);
    expect(result.status).toBe(1);
  });

  it("exits 2 with its usage for an unknown option or a stray argument", () => {
    for (const args of [["--cofig", "wrangler.toml"], ["wrangler.toml"]]) {
      const result = checkDeploy(...args);
      expect(result.output).toContain("usage: npm run check-deploy [-- --config <wrangler.toml>]");
      expect(result.output).not.toMatch(/^\s+at /m);
      expect(result.status).toBe(2);
    }
  });
});
