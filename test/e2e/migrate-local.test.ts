import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { PROJECT_ROOT } from "../../tools/harness/index.ts";

const MIGRATIONS = join(PROJECT_ROOT, "migrations");
const WRANGLER = join(PROJECT_ROOT, "node_modules/wrangler/bin/wrangler.js");

/** The tables, indexes, views and triggers a migration file creates (or drops), by name, in order. */
function objectsOf(sql: string): { verb: "CREATE" | "DROP"; name: string }[] {
  const code = sql.replace(/--[^\n]*/g, "");
  const statement =
    /\b(CREATE|DROP)\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?["`]?(\w+)/gi;
  return [...code.matchAll(statement)].map((match) => ({
    verb: (match[1] as string).toUpperCase() as "CREATE" | "DROP",
    name: match[2] as string,
  }));
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
    // Replayed in order: what the files create and do not drop again later is in the schema; what they drop is not.
    const expected = new Set<string>();
    const dropped = new Set<string>();
    for (const file of files) {
      for (const { verb, name } of objectsOf(await readFile(join(MIGRATIONS, file), "utf8"))) {
        if (verb === "CREATE") {
          expected.add(name);
          dropped.delete(name);
        } else {
          expected.delete(name);
          dropped.add(name);
        }
      }
    }
    expect(expected.size).toBeGreaterThan(0);
    expect(schema).toEqual(expect.arrayContaining([...expected]));
    for (const name of dropped) expect(schema).not.toContain(name);

    const second = await run();
    expect(second.stdout).toContain("No migrations to apply");
  } finally {
    await rm(state, { recursive: true, force: true });
  }
});
