import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { relayToml, writeServerDir } from "./configs.ts";
import { REPO, RESULTS_PATH } from "./paths.ts";
import { benchVars, callbackPool, type Provider, type SignedCallback } from "./providers.ts";
import { median, round } from "./stats.ts";
import { buildBundle, type DevServer, startDev } from "./wrangler.ts";

export interface RoutePlan {
  /** Iterations per timed request (each a distinct, correctly signed callback). */
  iterations: number;
  /** Interleaved rounds; each combination's figure is the median of its rounds. */
  rounds: number;
  /** Tries of t(N) and t(0) per round, the fastest of each kept. */
  repeats: number;
}

export const ROUTE_MODES = ["route", "core"] as const;
export const ROUTE_LENGTHS = ["with", "without"] as const;
export type RouteMode = (typeof ROUTE_MODES)[number];
export type RouteLength = (typeof ROUTE_LENGTHS)[number];

export interface RouteFigure {
  /** µs per callback: (t(N) − t(0)) / N, median over the rounds. */
  us_per_callback: number;
  /** The same from the runtime workerd's CPU time (all its threads), median of the rounds. */
  cpu_us_per_callback: number;
  /** Every round's figures, in order. */
  rounds_us: number[];
  rounds_cpu_us: number[];
}

export interface RouteResult {
  iterations: number;
  rounds: number;
  method: string;
  /** platform → `route` / `route-without-length` / `core` → figure. */
  platforms: Record<string, Record<string, RouteFigure>>;
  /** The same measured on a baseline tree (`npm run bench -- --baseline <ref>`), rounds taken in turn. */
  baseline?: { ref: string; commit: string; platforms: Record<string, Record<string, RouteFigure>> };
}

export const ROUTE_METHOD =
  "one request runs the relay's code N times inside workerd (bench/route/index.ts); µs per callback = (t(N) − t(0)) / N, " +
  "both requests timed from outside, median of interleaved rounds, each round the fastest of a few tries of t(N) and " +
  "of t(0). `route`: the Worker's fetch with a distinct signed callback per iteration, every answer checked against the " +
  "platform's exact success answer (t(0) reads as many stand-in answers, so reading them cancels out); `core`: " +
  "verify + normalize + CloudEvent only. The queue producer and KV are in-memory stand-ins and console.log only " +
  "counts lines during the runs: the route's own code, not its I/O.";

/** The combinations measured, in the order they run and are reported. */
const COMBOS: readonly { mode: RouteMode; length: RouteLength; key: string }[] = [
  { mode: "route", length: "with", key: "route" },
  { mode: "route", length: "without", key: "route-without-length" },
  { mode: "core", length: "with", key: "core" },
];

/** The route worker's build config: the relay's compatibility lines, minify settings and `[vars]`. */
function routeToml(source: string, main: string): string {
  const keep = source.split("\n").filter((line) => /^(compatibility_(date|flags)|minify|keep_names)\s*=/.test(line));
  const vars = source.split(/^(?=\[)/m).find((section) => section.startsWith("[vars]")) ?? "";
  return [`name = "bench-route"`, `main = ${JSON.stringify(main)}`, ...keep, "", vars].join("\n");
}

/**
 * The entry of the route worker: bench/route/index.ts around the relay's own parts, imported from the
 * tree at `root` (this checkout, or a copy of an earlier version to compare).
 */
function routeEntry(root: string): string {
  const from = (path: string) => JSON.stringify(join(root, path));
  return [
    `import worker from ${from("src/index.ts")};`,
    `import { resolveCredentials } from ${from("src/config/account-credentials.ts")};`,
    `import { toCloudEvent } from ${from("src/core/cloud-event.ts")};`,
    `import { settingsOf } from ${from("src/core/settings.ts")};`,
    `import { decodeUtf8 } from ${from("src/lib/bytes.ts")};`,
    `import { providerByName } from ${from("src/providers/registry.ts")};`,
    `import { routeWorker } from ${JSON.stringify(join(REPO, "bench", "route", "index.ts"))};`,
    "export default routeWorker({ worker, resolveCredentials, toCloudEvent, settingsOf, decodeUtf8, providerByName });",
    "",
  ].join("\n");
}

/** Builds the route worker as a deploy builds (minified like the relay) and serves it with `wrangler dev`. */
export async function startRouteServer(
  runDir: string,
  started: DevServer[],
  { root = REPO, name = "route" }: { root?: string; name?: string } = {},
): Promise<DevServer> {
  const source = relayToml();
  const srcDir = join(runDir, `src-${name}`);
  mkdirSync(srcDir, { recursive: true });
  const entry = join(srcDir, "entry.ts");
  writeFileSync(entry, routeEntry(root));
  const bundle = await buildBundle(
    writeServerDir(srcDir, routeToml(source, entry), {}),
    join(runDir, "build", name),
    runDir,
  );
  const config = writeServerDir(join(runDir, name), routeToml(source, bundle), benchVars());
  const server = await startDev(name, config, { runDir, persistTo: join(runDir, `state-${name}`), readyPath: "/" });
  started.push(server);
  return server;
}

let setCounter = 0;

async function load(url: string, callbacks: readonly SignedCallback[]): Promise<string> {
  const set = `s${setCounter++}`;
  const response = await fetch(`${url}/__bench/load?set=${set}`, {
    method: "POST",
    body: JSON.stringify(callbacks),
  });
  if (!response.ok) throw new Error(`route worker: load answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
  return set;
}

/**
 * CPU time of every thread of a process in ns (`/proc/<pid>/task/<tid>/schedstat`, first field): unlike
 * `/proc/<pid>/stat`'s clock ticks, fine enough to time one request.
 */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return total;
}

/**
 * One timed request: wall ms from sending to the end of the answer, and the CPU ms the runtime workerd
 * spent meanwhile. Throws unless every run was correct.
 */
async function timed(
  server: DevServer,
  set: string,
  n: number,
  mode: RouteMode,
  length: RouteLength,
): Promise<{ ms: number; cpuMs: number }> {
  const cpuBefore = cpuNs(server.runtimePid);
  const started = performance.now();
  const response = await fetch(`${server.url}/__bench/route?set=${set}&n=${n}&mode=${mode}&length=${length}`, {
    method: "POST",
  });
  const text = await response.text();
  const ms = performance.now() - started;
  const cpuMs = (cpuNs(server.runtimePid) - cpuBefore) / 1e6;
  const result = JSON.parse(text) as { failed?: number; failures?: string[]; error?: string };
  if (!response.ok || result.failed !== 0) {
    throw new Error(`route worker (${mode}, ${length} length, n=${n}): ${response.status} ${text.slice(0, 600)}`);
  }
  return { ms, cpuMs };
}

/**
 * Interleaved rounds: each round runs every platform × combination once, with a freshly signed set of
 * callbacks, timing N iterations and 0 iterations back to back (in alternating order).
 */
export async function runRoute(
  server: DevServer,
  providers: readonly Provider[],
  plan: RoutePlan,
  progress: (line: string) => void,
): Promise<RouteResult> {
  const wall = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const N = plan.iterations;
  const once = async (provider: Provider, combo: (typeof COMBOS)[number], flip: boolean) => {
    const set = await load(server.url, callbackPool([provider], N));
    // The fastest of a few tries of each: another process taking the CPU only ever adds time.
    const best = { [N]: { ms: Infinity, cpuMs: Infinity }, 0: { ms: Infinity, cpuMs: Infinity } };
    for (let k = 0; k < plan.repeats; k++) {
      for (const n of flip === (k % 2 === 0) ? [0, N] : [N, 0]) {
        const { ms, cpuMs } = await timed(server, set, n, combo.mode, combo.length);
        const kept = best[n] as { ms: number; cpuMs: number };
        best[n] = { ms: Math.min(kept.ms, ms), cpuMs: Math.min(kept.cpuMs, cpuMs) };
      }
    }
    const [full, none] = [best[N], best[0]] as [{ ms: number; cpuMs: number }, { ms: number; cpuMs: number }];
    return { us: ((full.ms - none.ms) * 1000) / N, cpuUs: ((full.cpuMs - none.cpuMs) * 1000) / N };
  };
  // Warm-up: JIT, the relay's per-isolate caches (settings, imported keys).
  for (const provider of providers) for (const combo of COMBOS) await once(provider, combo, false);
  const push = (map: Map<string, number[]>, key: string, value: number) =>
    map.set(key, [...(map.get(key) ?? []), value]);
  for (let r = 0; r < plan.rounds; r++) {
    const parts: string[] = [];
    for (const provider of providers) {
      for (const combo of COMBOS) {
        const { us, cpuUs } = await once(provider, combo, r % 2 === 1);
        push(wall, `${provider} ${combo.key}`, us);
        push(cpu, `${provider} ${combo.key}`, cpuUs);
        if (combo.key === "route") parts.push(`${provider} ${us.toFixed(0)} µs (CPU ${cpuUs.toFixed(0)})`);
      }
    }
    progress(`route round ${r + 1}/${plan.rounds}: ${parts.join(", ")}`);
  }
  const platforms: RouteResult["platforms"] = {};
  for (const provider of providers) {
    const figures: Record<string, RouteFigure> = {};
    for (const combo of COMBOS) {
      const rounds = wall.get(`${provider} ${combo.key}`) ?? [];
      const cpuRounds = cpu.get(`${provider} ${combo.key}`) ?? [];
      figures[combo.key] = {
        us_per_callback: round(median(rounds), 1),
        cpu_us_per_callback: round(median(cpuRounds), 1),
        rounds_us: rounds.map((x) => round(x, 1)),
        rounds_cpu_us: cpuRounds.map((x) => round(x, 1)),
      };
    }
    platforms[provider] = figures;
  }
  return { iterations: N, rounds: plan.rounds, method: ROUTE_METHOD, platforms };
}

/**
 * The route measured on this checkout and on a baseline tree, round by round in turn (so both see the
 * same load). A baseline too old to build the route worker from (its files elsewhere) is left out, said why.
 */
export async function runRouteWithBaseline(
  runDir: string,
  started: DevServer[],
  baseline: { ref: string; commit: string; root: string },
  providers: readonly Provider[],
  plan: RoutePlan,
  progress: (line: string) => void,
): Promise<RouteResult> {
  const current = await startRouteServer(runDir, started);
  let base: DevServer;
  try {
    base = await startRouteServer(runDir, started, { root: baseline.root, name: "route-baseline" });
  } catch (error) {
    progress(`route: the baseline is not measured, its route worker did not build: ${(error as Error).message}`);
    return runRoute(current, providers, plan, progress);
  }
  const one = { ...plan, rounds: 1 };
  const runs: { current: RouteResult[]; base: RouteResult[] } = { current: [], base: [] };
  for (let r = 0; r < plan.rounds; r++) {
    const quiet = () => {};
    runs.current.push(await runRoute(current, providers, one, quiet));
    runs.base.push(await runRoute(base, providers, one, quiet));
    const key = (result: RouteResult, provider: string) => result.platforms[provider]?.route?.cpu_us_per_callback;
    const cpu = providers.map(
      (p) => `${p} ${key(runs.current[r] as RouteResult, p)} (was ${key(runs.base[r] as RouteResult, p)})`,
    );
    progress(`route round ${r + 1}/${plan.rounds}, CPU µs: ${cpu.join(", ")}`);
  }
  const merged = (results: RouteResult[]) => {
    const platforms: RouteResult["platforms"] = {};
    for (const provider of providers) {
      platforms[provider] = {};
      for (const { key } of COMBOS) {
        const figures = results.map((result) => result.platforms[provider]?.[key] as RouteFigure);
        const rounds = figures.map((figure) => figure.rounds_us[0] as number);
        const cpuRounds = figures.map((figure) => figure.rounds_cpu_us[0] as number);
        (platforms[provider] as Record<string, RouteFigure>)[key] = {
          us_per_callback: round(median(rounds), 1),
          cpu_us_per_callback: round(median(cpuRounds), 1),
          rounds_us: rounds,
          rounds_cpu_us: cpuRounds,
        };
      }
    }
    return platforms;
  };
  return {
    iterations: plan.iterations,
    rounds: plan.rounds,
    method: ROUTE_METHOD,
    platforms: merged(runs.current),
    baseline: { ref: baseline.ref, commit: baseline.commit, platforms: merged(runs.base) },
  };
}

/** The figures as a Markdown table (and the baseline's beside them, when measured). */
export function formatRoute(result: RouteResult, goalUs = 40): string {
  const was = result.baseline === undefined ? "" : ` (baseline ${result.baseline.ref})`;
  const lines = [
    `| µs per callback, wall (CPU)${was}; goal ≤ ${goalUs} | route, Content-Length | route, no Content-Length | core (verify + normalize + CloudEvent) |`,
    "|---|---:|---:|---:|",
  ];
  const cell = (figure: RouteFigure | undefined) =>
    figure === undefined ? "" : `${figure.us_per_callback.toFixed(1)} (${figure.cpu_us_per_callback.toFixed(1)})`;
  for (const [provider, figures] of Object.entries(result.platforms)) {
    const base = result.baseline?.platforms[provider];
    const row = (key: string) => cell(figures[key]) + (base === undefined ? "" : ` (was ${cell(base[key])})`);
    lines.push(`| ${provider} | ${row("route")} | ${row("route-without-length")} | ${row("core")} |`);
  }
  return lines.join("\n");
}

/** Platforms whose route misses the goal, with or without Content-Length. */
export function routeMisses(result: RouteResult, goalUs = 40): string[] {
  const missed: string[] = [];
  for (const [provider, figures] of Object.entries(result.platforms)) {
    for (const key of ["route", "route-without-length"]) {
      const us = figures[key]?.us_per_callback;
      if (us !== undefined && us > goalUs) missed.push(`${provider} ${key}: ${us} µs per callback (goal ≤ ${goalUs})`);
    }
  }
  return missed;
}

export const ROUTE_RESULTS_PATH = join(REPO, "bench", "results", "route.json");

/** bench/results/route.json, and the `route` member of latest.json (the rest of it left as it is). */
export function writeRouteResults(route: RouteResult, meta: Record<string, unknown>): void {
  mkdirSync(dirname(ROUTE_RESULTS_PATH), { recursive: true });
  writeFileSync(ROUTE_RESULTS_PATH, `${JSON.stringify({ route, meta }, null, 2)}\n`);
  const latest = existsSync(RESULTS_PATH) ? JSON.parse(readFileSync(RESULTS_PATH, "utf8")) : {};
  writeFileSync(RESULTS_PATH, `${JSON.stringify({ ...latest, route }, null, 2)}\n`);
}
