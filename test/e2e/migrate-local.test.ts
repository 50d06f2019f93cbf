import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { PROJECT_ROOT } from "../../tools/harness/index.ts";

const MIGRATIONS = join(PROJECT_ROOT, "migrations");
const WRANGLER = join(PROJECT_ROOT, "node_modules/wrangler/bin/wrangler.js");

/** The tables, indexes, views and triggers a migration file creates, by name. */
function createdBy(sql: string): string[] {
  const code = sql.replace(/--[^\n]*/g, "");
  const created = /\bCREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\s+(?:IF\s+NOT\s+EXISTS\s+)?["`]?(\w+)/gi;
  return [...code.matchAll(created)].map((match) => match[1] as string);
}

it("npm run dev's migration step applies every file in migrations/ to a fresh local D1, then finds none to apply", async () => {
  const files = (await readdir(MIGRATIONS)).filter((name) => name.endsWith(".sql")).sort();
  expect(files.length).toBeGreaterThan(0);
  const state = await mkdtemp(join(tmpdir(), "meeting-relay-migrate-"));
  const node = (args: string[]) =>
    promisify(execFile)(process.execPath, args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
      timeout: 60_000,
    });
  try {
    const run = () => node(["scripts/migrate-local.mjs", "--persist-to", state]);
    const first = await run();
    for (const file of files) expect(first.stdout).toContain(file);
    expect(first.stdout).toMatch(/✅/);

    // What the local D1 holds now: the migrations it recorded as applied, and the schema they built.
    const query = await node([
      WRANGLER,
      ...["d1", "execute", "RELAY_LOG", "--local", "--persist-to", state, "--json"],
      ...["--command", "SELECT name FROM d1_migrations ORDER BY id; SELECT name FROM sqlite_master"],
    ]);
    const [applied, schema] = (JSON.parse(query.stdout) as { results: { name: string }[] }[]).map(({ results }) =>
      results.map(({ name }) => name),
    );
    expect(applied).toEqual(files);
    for (const file of files) {
      const objects = createdBy(await readFile(join(MIGRATIONS, file), "utf8"));
      expect(schema, file).toEqual(expect.arrayContaining(objects));
    }

    const second = await run();
    expect(second.stdout).toContain("No migrations to apply");
  } finally {
    await rm(state, { recursive: true, force: true });
  }
});
