import { execFileSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";
import { cpuTicks } from "./processes.ts";
import type { BenchProvider, SignedRequest } from "./providers.ts";
import { percentile, round } from "./stats.ts";
import type { DevServer } from "./wrangler.ts";

export interface Metrics {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  cpu_us_per_req: number;
}

export interface IngestPlan {
  connections: number;
  seconds: number;
  rounds: number;
  warmupSeconds: number;
}

/** One route under load: where it is served, the signed requests it cycles through, what success looks like. */
export interface LoadTarget {
  name: string;
  server: DevServer;
  requests: () => SignedRequest[];
  isSuccess: (body: string) => boolean;
}

interface Tally {
  requests: number;
  seconds: number;
  runtimeTicks: number;
  proxyTicks: number;
  latencies: number[];
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Interleaved rounds: every round runs each target once, in the same order, so drift
 * on this shared machine lands on the floor and the relay alike. Each run is closed-loop
 * autocannon at a fixed concurrency; CPU is the runtime workerd's utime + stime delta.
 */
export async function runIngest(
  targets: readonly LoadTarget[],
  plan: IngestPlan,
  progress: (line: string) => void,
): Promise<{ metrics: Record<string, Metrics>; proxyCpuUsPerReq: Record<string, number> }> {
  for (const target of targets) await loadOnce(target, plan.connections, plan.warmupSeconds, undefined);
  const tallies = new Map(
    targets.map((t) => [t.name, { requests: 0, seconds: 0, runtimeTicks: 0, proxyTicks: 0, latencies: [] } as Tally]),
  );
  for (let r = 1; r <= plan.rounds; r++) {
    const parts: string[] = [];
    for (const target of targets) {
      const tally = tallies.get(target.name) as Tally;
      const before = tally.requests;
      const seconds = await loadOnce(target, plan.connections, plan.seconds, tally);
      parts.push(`${target.name} ${Math.round((tally.requests - before) / seconds)}/s`);
    }
    progress(`round ${r}/${plan.rounds}: ${parts.join(", ")}`);
  }
  const metrics: Record<string, Metrics> = {};
  const proxyCpuUsPerReq: Record<string, number> = {};
  for (const [name, tally] of tallies) {
    const usPerTick = 1e6 / CLOCK_TICKS_PER_SECOND;
    metrics[name] = {
      rps: round(tally.requests / tally.seconds, 1),
      p50_ms: round(percentile(tally.latencies, 50), 2),
      p99_ms: round(percentile(tally.latencies, 99), 2),
      cpu_us_per_req: round((tally.runtimeTicks * usPerTick) / tally.requests, 1),
    };
    proxyCpuUsPerReq[name] = round((tally.proxyTicks * usPerTick) / tally.requests, 1);
  }
  return { metrics, proxyCpuUsPerReq };
}

/** One autocannon run; every answer must be a 2xx with the platform's success body, or the benchmark stops. */
async function loadOnce(target: LoadTarget, connections: number, seconds: number, tally: Tally | undefined) {
  const pool = target.requests();
  let next = 0;
  const runtimeBefore = cpuTicks(target.server.runtimePid);
  const proxyBefore = cpuTicks(target.server.proxyPid);
  const mismatches: string[] = [];
  const instance = autocannon({
    url: target.server.url,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: "POST",
        setupRequest: (request) => {
          const signed = pool[next++ % pool.length] as SignedRequest;
          return { ...request, path: signed.path, headers: signed.headers, body: signed.body };
        },
      },
    ],
    verifyBody: target.isSuccess,
  });
  instance.on("mismatch", (body) => {
    if (mismatches.length < 3) mismatches.push(body.slice(0, 200));
  });
  if (tally) instance.on("response", (_client, _status, _bytes, ms) => tally.latencies.push(ms));
  const result = await instance;
  const runtimeTicks = cpuTicks(target.server.runtimePid) - runtimeBefore;
  const proxyTicks = cpuTicks(target.server.proxyPid) - proxyBefore;

  const bad = result.non2xx + result.errors + result.timeouts + result.mismatches;
  if (bad > 0 || result.requests.total === 0) {
    const codes = Object.entries(result.statusCodeStats)
      .map(([code, { count }]) => `${code}×${count}`)
      .join(" ");
    throw new Error(
      `${target.name}: ${result.requests.total} requests, ${result.non2xx} non-2xx (${codes}), ${result.errors} errors, ` +
        `${result.timeouts} timeouts, ${result.mismatches} wrong bodies ${JSON.stringify(mismatches)}; see ${target.server.logPath}`,
    );
  }
  if (tally) {
    tally.requests += result.requests.total;
    tally.seconds += result.duration;
    tally.runtimeTicks += runtimeTicks;
    tally.proxyTicks += proxyTicks;
  }
  // Let the servers drain logs and timers before the next target starts.
  await sleep(300);
  return result.duration;
}

export function ingestRatios(metrics: Record<string, Metrics>, providers: readonly string[]) {
  const floor = metrics.floor as Metrics;
  const ratios: Record<string, { throughput: number; p99: number; cpu: number }> = {};
  for (const name of providers) {
    const m = metrics[name] as Metrics;
    ratios[name] = {
      throughput: round(m.rps / floor.rps, 3),
      p99: round(m.p99_ms / floor.p99_ms, 3),
      cpu: round(m.cpu_us_per_req / floor.cpu_us_per_req, 3),
    };
  }
  return ratios;
}

/** Builds a target's request pool: distinct, freshly signed requests (timestamps well inside every replay window). */
export function poolOf(providers: readonly BenchProvider[], size: number, nextMarker: () => string): SignedRequest[] {
  const now = Date.now();
  const pool: SignedRequest[] = [];
  for (let i = 0; i < size; i++) {
    const provider = providers[i % providers.length] as BenchProvider;
    pool.push(provider.build(nextMarker(), i, now));
  }
  return pool;
}
