import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { PROJECT_ROOT } from "../../tools/harness/index.ts";

async function checkDeploy(config: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["scripts/check-deploy.ts", "--config", config],
      { cwd: PROJECT_ROOT, timeout: 30_000 },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

it("npm run check-deploy refuses the repository's placeholder ids, naming the command that fills each", async () => {
  const { code, output } = await checkDeploy("wrangler.toml");
  expect(code).toBe(1);
  expect(output).toContain("run `npx wrangler kv namespace create RELAY_CONFIG`");
  expect(output).toContain("run `npx wrangler kv namespace create RELAY_STATE`");
  expect(output).toContain("run `npx wrangler d1 create meeting-relay-log`");
});

it("passes once the ids are real, and refuses vars production must not have", async () => {
  const directory = await mkdtemp(join(tmpdir(), "meeting-relay-deploy-"));
  try {
    const shipped = await readFile(join(PROJECT_ROOT, "wrangler.toml"), "utf8");
    const filled = shipped
      .replace('main = "src/index.ts"', `main = "${join(PROJECT_ROOT, "src/index.ts")}"`)
      .replace('directory = "./public"', `directory = "${join(PROJECT_ROOT, "public")}"`)
      .replace('migrations_dir = "migrations"', `migrations_dir = "${join(PROJECT_ROOT, "migrations")}"`)
      .replace("00000000000000000000000000000001", "3f1c2b0a9d8e4f7a6b5c4d3e2f1a0b9c")
      .replace("00000000000000000000000000000002", "7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b")
      .replace("00000000-0000-0000-0000-000000000003", "c0ffee00-1234-4abc-8def-0123456789ab");
    const ready = join(directory, "ready.toml");
    await writeFile(ready, filled);
    expect(await checkDeploy(ready)).toEqual({ code: 0, output: expect.stringContaining("ready to deploy") });

    const insecure = join(directory, "insecure.toml");
    await writeFile(insecure, filled.replace('ALLOW_INSECURE_TARGETS = "false"', 'ALLOW_INSECURE_TARGETS = "true"'));
    const refused = await checkDeploy(insecure);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('ALLOW_INSECURE_TARGETS is "true": that is for local development only');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
