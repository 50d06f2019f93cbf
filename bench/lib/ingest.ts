import { execFileSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";
import { cpuTicks } from "../../tools/harness/proc-stat.ts";
import type { SignedCallback } from "./providers.ts";
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

/** One route under load: where it is served and the signed requests it cycles through. */
export interface LoadTarget {
  name: string;
  server: DevServer;
  /** Built afresh before every run, so timestamps stay inside every replay window. */
  requests: () => SignedCallback[];
  /** The answer every request must get; default: each callback's own `expect` (the platform's success form). */
  expect?: { status: number; body: string };
  /** Runs after the target before it in odd rounds and before it in even ones (a compared pair: neither always goes second). */
  alternate?: boolean;
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
    for (const target of roundOrder(targets, r)) {
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

/** Round `r`'s order: in even rounds each `alternate` target swaps places with the one before it. */
export function roundOrder<T extends { alternate?: boolean }>(targets: readonly T[], r: number): T[] {
  const order = [...targets];
  if (r % 2 === 1) return order;
  for (let i = 1; i < order.length; i++) {
    if (order[i]?.alternate) [order[i - 1], order[i]] = [order[i] as T, order[i - 1] as T];
  }
  return order;
}

/** One autocannon run; every answer must be the platform's exact success (status and body), or the benchmark stops. */
async function loadOnce(target: LoadTarget, connections: number, seconds: number, tally: Tally | undefined) {
  const pool = target.requests();
  let next = 0;
  const wrong: string[] = [];
  let wrongCount = 0;
  const runtimeBefore = cpuTicks(target.server.runtimePid);
  const proxyBefore = cpuTicks(target.server.proxyPid);
  const instance = autocannon({
    url: target.server.url,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: "POST",
        // Each connection has its own context and one request in flight, so `expect` is this answer's.
        setupRequest: (request, context) => {
          const callback = pool[next++ % pool.length] as SignedCallback;
          context.expect = target.expect ?? callback.expect;
          return { ...request, path: callback.path, headers: callback.headers, body: callback.body };
        },
        onResponse: (status, body, context) => {
          const expected = context.expect as { status: number; body: string };
          if (status === expected.status && body === expected.body) return;
          wrongCount++;
          if (wrong.length < 3)
            wrong.push(`${status} ${body.slice(0, 160)} (expected ${expected.status} ${expected.body})`);
        },
      },
    ],
  });
  if (tally) instance.on("response", (_client, _status, _bytes, ms) => tally.latencies.push(ms));
  const result = await instance;
  const runtimeTicks = cpuTicks(target.server.runtimePid) - runtimeBefore;
  const proxyTicks = cpuTicks(target.server.proxyPid) - proxyBefore;

  const bad = result.non2xx + result.errors + result.timeouts + wrongCount;
  if (bad > 0 || result.requests.total === 0) {
    const codes = Object.entries(result.statusCodeStats)
      .map(([code, { count }]) => `${code}×${count}`)
      .join(" ");
    throw new Error(
      `${target.name}: ${result.requests.total} requests, ${result.non2xx} non-2xx (${codes}), ${result.errors} errors, ` +
        `${result.timeouts} timeouts, ${wrongCount} wrong answers ${JSON.stringify(wrong)}; see ${target.server.logPath}`,
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

/** Each name's metrics over the `base` target's: throughput, p99 and CPU ratios. */
export function ratiosTo(base: string, metrics: Record<string, Metrics>, names: readonly string[]) {
  const b = metrics[base] as Metrics;
  const ratios: Record<string, { throughput: number; p99: number; cpu: number }> = {};
  for (const name of names) {
    const m = metrics[name] as Metrics;
    ratios[name] = {
      throughput: round(m.rps / b.rps, 3),
      p99: round(m.p99_ms / b.p99_ms, 3),
      cpu: round(m.cpu_us_per_req / b.cpu_us_per_req, 3),
    };
  }
  return ratios;
}
