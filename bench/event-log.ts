/**
 * `node bench/event-log.ts [--events 200000] [--days 14] [--runs 15]`: what the event log's reads cost at
 * full retention. Builds the relay as a deploy would, writes a full log into a fresh local D1 in the
 * shape of migrations 0001–0002 (bench/lib/event-log-seed.ts), applies the rest of migrations/ (timed:
 * that is the upgrade an installed relay runs), serves it with `wrangler dev` (no queue consumers, so
 * nothing writes while it is measured), and times each admin read over HTTP: the list, each filter, one
 * event, the overview. Every process started here is stopped on the way out.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { stopAllGroups } from "../tools/harness/processes.ts";
import { wrangler } from "../tools/harness/wrangler.ts";
import { derivedRelayToml, relayToml, writeServerDir } from "./lib/configs.ts";
import { SEED_PROVIDERS, seededEvent, seedSql } from "./lib/event-log-seed.ts";
import { REPO } from "./lib/paths.ts";
import { benchVars } from "./lib/providers.ts";
import { numberOption, startBenchScript } from "./lib/script.ts";
import { buildBundle, type DevServer, startDev } from "./lib/wrangler.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => numberOption(args, name, fallback);
const EVENTS = option("events", 200_000);
const DAYS = option("days", 14);
const RUNS = option("runs", 15);
const ADMIN_TOKEN = benchVars().ADMIN_TOKEN as string;

const { runDir, say } = startBenchScript("event-log");
let server: DevServer | undefined;
let ok = false;
try {
  const now = Date.now();
  const main = await buildBundle(join(REPO, "wrangler.toml"), join(runDir, "build"), runDir);
  const toml = derivedRelayToml(relayToml(), { main, queuePrefix: `evlog${now.toString(36)}-`, consumers: false });
  const config = writeServerDir(join(runDir, "relay"), toml, benchVars());
  const persistTo = join(runDir, "state");
  const d1 = (extra: string[], configPath = config) =>
    wrangler(["d1", ...extra, "RELAY_LOG", "--local", "--persist-to", persistTo, "-c", configPath], runDir);

  // The log as a relay before migration 0003 wrote it; then the upgrade.
  const before = join(runDir, "migrations-before-0003");
  mkdirSync(before);
  const files = readdirSync(join(REPO, "migrations"))
    .filter((file) => file.endsWith(".sql"))
    .sort();
  for (const file of files.filter((name) => name < "0003"))
    copyFileSync(join(REPO, "migrations", file), join(before, file));
  const oldConfig = writeServerDir(
    join(runDir, "relay-before-0003"),
    toml.replace(/^migrations_dir\s*=.*$/m, `migrations_dir = ${JSON.stringify(before)}`),
    {},
  );
  await d1(["migrations", "apply"], oldConfig);
  const seed = join(runDir, "seed.sql");
  writeFileSync(seed, seedSql(EVENTS, DAYS, now));
  let started = performance.now();
  await d1(["execute", "--file", seed]);
  say(`seeded ${EVENTS} events over ${DAYS} days in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  started = performance.now();
  const applied = await d1(["migrations", "apply"]);
  const migrated = files.filter((file) => file >= "0003" && applied.includes(file));
  const migrationSeconds = (performance.now() - started) / 1000;
  say(`applied ${migrated.join(", ") || "no further migration"} in ${migrationSeconds.toFixed(1)} s`);

  server = await startDev("relay", config, { runDir, persistTo, readyPath: "/healthz" });
  const get = async (path: string) => {
    const begin = performance.now();
    const response = await fetch(`${server?.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const body = (await response.json()) as { items?: unknown[]; cursor?: string | null };
    return { ms: performance.now() - begin, status: response.status, body };
  };

  // A meeting from about ten days back: the needle an operator looks for.
  const old = seededEvent(Math.floor(EVENTS * (10 / DAYS)));
  const week = now - 7 * 86_400_000;
  /** [name, path, follow the cursor to the end of the window (the rare matches)]. */
  const scenarios: [string, string, boolean?][] = [
    ["list (newest 50)", "/admin/events"],
    ["list, page 3 (cursor)", "cursor"],
    ["provider", `/admin/events?provider=${SEED_PROVIDERS[1]}`],
    ["type, exact", "/admin/events?type=meeting.ended"],
    ["type, glob", "/admin/events?type=meeting.participant-*"],
    ["subject, 10 days back", `/admin/events?subject=${old.subject}`, true],
    ["target", "/admin/events?target=erp"],
    ["outcome=dead (1 in 200)", "/admin/events?outcome=dead", true],
    ["target + outcome=delivered", "/admin/events?target=erp&outcome=delivered"],
    ["since/until (one day, a week back)", `/admin/events?since=${iso(week)}&until=${iso(week + 86_400_000)}`],
    ["q, title substring, 10 days back", `/admin/events?q=${encodeURIComponent(old.title)}`, true],
    ["q, code, 10 days back", `/admin/events?q=${old.code}`, true],
    ["one event", `/admin/events/${old.id}`],
    ["stats (24 h)", "/admin/stats"],
    ["stats (since 14d)", `/admin/stats?since=${DAYS}d`],
  ];
  const results: Record<string, unknown>[] = [];
  for (const [name, path, follow] of scenarios) {
    let target = path;
    if (path === "cursor") {
      const first = await get("/admin/events");
      const second = await get(`/admin/events?cursor=${first.body.cursor}`);
      target = `/admin/events?cursor=${second.body.cursor}`;
    }
    const probe = await get(target);
    if (probe.status !== 200) {
      results.push({ scenario: name, status: probe.status, error: JSON.stringify(probe.body).slice(0, 120) });
      say(`${name}: ${probe.status}`);
      continue;
    }
    const times: number[] = [];
    for (let run = 0; run < RUNS; run++) times.push((await get(target)).ms);
    times.sort((a, b) => a - b);
    const pages = follow ? await walk(get, target) : undefined;
    const row = {
      scenario: name,
      p50_ms: round(times[Math.floor(times.length / 2)] as number),
      max_ms: round(times.at(-1) as number),
      items: probe.body.items?.length,
      cursor: probe.body.items === undefined ? undefined : probe.body.cursor !== null,
      ...(pages === undefined ? {} : { to_end: pages }),
    };
    results.push(row);
    say(JSON.stringify(row));
  }
  const report = {
    date: new Date().toISOString(),
    events: EVENTS,
    days: DAYS,
    runs: RUNS,
    migration_s: round(migrationSeconds),
    migrated,
    cores: cpus().length,
    cpu_model: cpus()[0]?.model ?? "unknown",
    load_average: loadavg().map((x) => Number(x.toFixed(2))),
    results,
  };
  const out = join(REPO, "bench", "results", `event-log${migrated.length > 0 ? "" : "-before-0003"}.json`);
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n| read | p50 ms | max ms | items | more | whole window: requests, ms, items |`);
  console.log("|---|---:|---:|---:|---|---|");
  for (const row of results) {
    const walked = row.to_end as { requests: number; ms: number; items: number } | undefined;
    console.log(
      `| ${row.scenario} | ${row.p50_ms ?? row.status} | ${row.max_ms ?? ""} | ${row.items ?? ""} | ${row.cursor ?? ""} | ${walked ? `${walked.requests}, ${walked.ms}, ${walked.items}` : ""} |`,
    );
  }
  console.log(`\nWrote ${out}`);
  ok = true;
} catch (error) {
  console.error(`\nbench failed: ${(error as Error).message}`);
  console.error(`logs kept in ${runDir}`);
  process.exitCode = 1;
} finally {
  await server?.stop();
  await stopAllGroups();
  if (ok) rmSync(runDir, { recursive: true, force: true });
}

/** Follows the cursor to the end of the window (at most 400 pages): what finding every match costs. */
async function walk(
  get: (path: string) => Promise<{ ms: number; body: { items?: unknown[]; cursor?: string | null } }>,
  first: string,
): Promise<{ requests: number; ms: number; items: number }> {
  const start = `${first}&limit=100`;
  let path = start;
  let requests = 0;
  let ms = 0;
  let items = 0;
  for (; requests < 400; ) {
    const page = await get(path);
    requests += 1;
    ms += page.ms;
    items += page.body.items?.length ?? 0;
    if (!page.body.cursor) break;
    path = `${start}&cursor=${page.body.cursor}`;
  }
  return { requests, ms: round(ms), items };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
