import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { PROJECT_ROOT } from "../../tools/harness/index.ts";

it("npm run dev's migration step applies the event log's migrations to a fresh local D1, then finds none to apply", async () => {
  const state = await mkdtemp(join(tmpdir(), "meeting-relay-migrate-"));
  try {
    const run = () =>
      promisify(execFile)(process.execPath, ["scripts/migrate-local.mjs", "--persist-to", state], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
        timeout: 60_000,
      });
    const first = await run();
    expect(first.stdout).toContain("0001_event_log.sql");
    expect(first.stdout).toMatch(/✅/);
    const second = await run();
    expect(second.stdout).toContain("No migrations to apply");
  } finally {
    await rm(state, { recursive: true, force: true });
  }
});
