import { PRICE_PER_MILLION } from "../prices.ts";
import type { BaselineResults } from "./baseline.ts";
import { type CostResult, costFindings, type ScenarioCost } from "./cost.ts";
import type { E2eResult } from "./e2e.ts";
import type { Metrics } from "./ingest.ts";
import type { SlotResult } from "./slots.ts";

type Ratios = { throughput: number; p99: number; cpu: number };

export interface Results {
  ingest?: Record<string, Metrics> & { ratios: Record<string, Ratios> };
  e2e?: E2eResult;
  slots?: SlotResult;
  cost?: CostResult;
  bundle: { gzip_bytes: number };
  /** `--baseline <ref>`: that commit measured side by side. */
  baseline?: BaselineResults;
  meta: Record<string, unknown> & {
    reference?: {
      "floor-io": Metrics | undefined;
      "floor-io_vs_floor": Ratios | undefined;
      relay_vs_floor_io: Record<string, Ratios>;
    };
    e2e_paced?: E2eResult & { rate_per_s: number };
  };
}

/** What every figure means; written into latest.json with them. */
export const NOTES = [
  "ingest: the relay runs a generated wrangler config with the queue producers and no queue consumers, so no consumer work lands in the ingest figures",
  "ingest: every Worker is prebuilt with `wrangler deploy --dry-run` and served by `wrangler dev --no-bundle` with identical flags; floor answers 200 without reading the request; floor-io reads the body, sends one queue message, logs one JSON line, answers 200 (the I/O the relay must do for every callback); floor and floor-io get the same signed requests as the relay, all platforms mixed",
  "rounds are interleaved (floor, floor-io, each platform, repeated) with closed-loop autocannon at a fixed concurrency; every answer is checked for the platform's exact success status and body",
  "cpu_us_per_req: utime+stime from /proc of the workerd that runs the Worker (local KV, the local queue broker and wrangler's log forwarding also run in it); wrangler dev's proxy workerd in front is reported apart as proxy_cpu_us_per_req",
  "e2e: the relay with its consumers exactly as in wrangler.toml, RETRY_SCHEDULE=1,1,2,2,5, ALLOW_INSECURE_TARGETS=true, one target (a node:http sink on 127.0.0.1 with a whsec_ secret, signatures verified); a burst of distinct events sent as fast as the stated concurrency allows (the e2e figures), then a paced phase at a steady rate (meta.e2e_paced); latency = sink receive time - send time per event; events_per_s = delivered / (last first delivery - first send)",
  "slots: a Worker with the relay's ChatRateLimiter class (from the relay's bundle) and one queue; its consumer asks for one send slot per message (20 per minute per target, the DingTalk default), one request at a time, timed around the Durable Object call in the Worker (performance.now, which workerd advances when I/O completes); first_p50_ms is the first request to each target's object",
];

/** The targets. */
export const TARGETS = { throughput: 0.8, p99: 1.5, cpu: 1.5, gzipBytes: 64 * 1024 } as const;

/** Each missed target as one sentence; empty when every target is met. */
export function missedTargets(results: Results): string[] {
  const missed: string[] = [];
  for (const [name, r] of Object.entries(results.ingest?.ratios ?? {})) {
    if (r.throughput < TARGETS.throughput)
      missed.push(`${name}: throughput ratio ${r.throughput} < ${TARGETS.throughput}`);
    if (r.p99 > TARGETS.p99) missed.push(`${name}: p99 ratio ${r.p99} > ${TARGETS.p99}`);
    if (r.cpu > TARGETS.cpu) missed.push(`${name}: CPU ratio ${r.cpu} > ${TARGETS.cpu}`);
  }
  for (const [phase, e] of [
    ["e2e", results.e2e],
    ["e2e paced", results.meta.e2e_paced],
  ] as const) {
    if (e && e.lost > 0) missed.push(`${phase}: ${e.lost} events lost`);
    if (e && e.duplicates > 0) missed.push(`${phase}: ${e.duplicates} duplicate deliveries`);
  }
  if (results.cost) missed.push(...costFindings(results.cost));
  if (results.bundle.gzip_bytes >= TARGETS.gzipBytes)
    missed.push(`bundle: ${results.bundle.gzip_bytes} B gzipped ≥ 64 KiB`);
  return missed;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const ratioCells = (r: Ratios | undefined, checked: boolean) => {
  if (r === undefined) return ["", "", ""];
  const mark = (ok: boolean) => (checked && !ok ? " ✗" : "");
  return [
    `${r.throughput.toFixed(2)}${mark(r.throughput >= TARGETS.throughput)}`,
    `${r.p99.toFixed(2)}${mark(r.p99 <= TARGETS.p99)}`,
    `${r.cpu.toFixed(2)}${mark(r.cpu <= TARGETS.cpu)}`,
  ];
};

const metricCells = (m: Metrics) => [
  m.rps.toFixed(0),
  m.p50_ms.toFixed(1),
  m.p99_ms.toFixed(1),
  m.cpu_us_per_req.toFixed(0),
];

export function formatResults(results: Results): string {
  const out: string[] = [];
  const { meta } = results;
  if (results.ingest) {
    const { ratios, ...metrics } = results.ingest;
    const reference = meta.reference;
    const rows = Object.entries(metrics).map(([name, m]) => [
      name,
      ...metricCells(m),
      ...ratioCells(ratios[name], true),
      ...ratioCells(reference?.relay_vs_floor_io[name], false),
    ]);
    if (reference?.["floor-io"]) {
      rows.splice(1, 0, [
        "floor-io (ref.)",
        ...metricCells(reference["floor-io"]),
        ...ratioCells(reference["floor-io_vs_floor"], false),
        "",
        "",
        "",
      ]);
    }
    out.push(
      `Ingest: autocannon, ${meta.concurrency} connections, ${meta.ingest_rounds} interleaved rounds × ${meta.ingest_seconds} s per route; relay without queue consumers`,
      table(
        [
          "route",
          "req/s",
          "p50 ms",
          "p99 ms",
          "CPU µs/req",
          "thr/floor",
          "p99/floor",
          "CPU/floor",
          "thr/f-io",
          "p99/f-io",
          "CPU/f-io",
        ],
        rows,
      ),
      "targets: throughput ≥ 0.80 × floor, p99 and CPU ≤ 1.50 × floor (✗ = missed); f-io = floor-io, a Worker doing only the I/O the relay must do",
      "",
    );
  }
  if (results.e2e) {
    const row = (phase: string, e: E2eResult) =>
      [phase, e.events, e.delivered, e.lost, e.duplicates, e.events_per_s, e.p50_ms, e.p99_ms].map(String);
    const rows = [row(`burst, ${meta.e2e_concurrency} connections`, results.e2e)];
    const paced = meta.e2e_paced;
    if (paced) rows.push(row(`paced, ${paced.rate_per_s} events/s`, paced));
    out.push(
      "End to end: signed events → relay with its queue consumers → local sink",
      table(["phase", "events", "delivered", "lost", "duplicates", "events/s", "p50 ms", "p99 ms"], rows),
      "the burst's events/s is what the pipeline sustains (its latency includes the backlog it builds); the paced phase shows latency without a backlog",
      "",
    );
  }
  if (results.slots) {
    const s = results.slots;
    out.push(
      "Chat send slots: one Durable Object request per chat delivery attempt, from a queue consumer",
      table(
        ["requests", "targets", "go", "later slot", "p50 ms", "p90 ms", "p99 ms", "max ms", "first p50 ms"],
        [[s.requests, s.targets, s.go, s.waited, s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms, s.first_p50_ms].map(String)],
      ),
      "",
    );
  }
  if (results.cost) out.push(formatCost(results.cost), "");
  if (results.baseline) out.push(formatBaseline(results), "");
  const kib = (results.bundle.gzip_bytes / 1024).toFixed(1);
  out.push(`Bundle: ${results.bundle.gzip_bytes} bytes gzipped (${kib} KiB; target < 64 KiB)`, "");
  out.push(`Machine: ${meta.cores} × ${meta.cpu_model}, Node ${meta.node}, wrangler ${meta.wrangler}, ${meta.date}`);
  return out.join("\n");
}

const UNIT_NAMES: Record<keyof typeof PRICE_PER_MILLION, string> = {
  workersRequests: "Workers requests",
  cpuMs: "CPU ms",
  kvReads: "KV reads (per key)",
  kvWrites: "KV writes",
  kvDeletes: "KV deletes",
  kvLists: "KV lists",
  queueOperations: "Queue operations (per 64 KB)",
  d1RowsRead: "D1 rows read",
  d1RowsWritten: "D1 rows written",
  durableObjectRequests: "Durable Object requests",
  durableObjectGbSeconds: "Durable Object GB-s",
  durableObjectRowsRead: "Durable Object rows read",
  durableObjectRowsWritten: "Durable Object rows written",
  logLines: "log lines",
};

const usd = (n: number) => `$${n.toFixed(n >= 1 ? 2 : 3)}`;

function costRows(cost: Omit<ScenarioCost, "retention">): string[][] {
  const rows: string[][] = [];
  for (const [unit, count] of Object.entries(cost.units)) {
    const price = PRICE_PER_MILLION[unit as keyof typeof PRICE_PER_MILLION];
    if (!count) continue;
    rows.push([UNIT_NAMES[unit as keyof typeof PRICE_PER_MILLION] ?? unit, String(count), usd(count * price)]);
  }
  rows.push(["total", "", usd(cost.usd_per_million)]);
  return rows;
}

/** One table per scenario: each billable unit per event and its $ per million events. */
export function formatCost(cost: CostResult): string {
  const out = [
    `Cost per event at list price (prices of ${cost.prices_as_of}, bench/prices.ts; beyond each plan's inclusions), ${cost.events_per_scenario} events per scenario:`,
    "",
  ];
  for (const scenario of cost.scenarios) {
    const { fetch, queue, scheduled, queue_messages_read: read } = scenario.invocations;
    const batching =
      queue > 0
        ? `; ${queue} consumer invocations for ${read} messages read (${(read / queue).toFixed(1)} per invocation), $${scenario.usd_per_million_unbatched} per million with one invocation per message`
        : "";
    out.push(
      `${scenario.scenario}: ${fetch} fetch, ${queue} queue, ${scheduled} scheduled invocations${batching}`,
      table(["unit", "per event", "$ per million events"], costRows(scenario)),
    );
    if (scenario.retention) {
      const deleted = Object.entries(scenario.rows_deleted ?? {})
        .filter(([, n]) => n > 0)
        .map(([table, n]) => `${n} ${table}`)
        .join(", ");
      out.push(
        `  + retention of these events: ${usd(scenario.retention.usd_per_million)} per million (rows deleted: ${deleted || "none"}); with retention ${usd(scenario.usd_per_million + scenario.retention.usd_per_million)}`,
      );
      const month = scenario.paid_month_usd;
      if (month)
        out.push(
          `  a month on Workers Paid ($5 included): ${usd(month["1M"])} at 1M such events, ${usd(month["10M"])} at 10M`,
        );
    }
    out.push("");
  }
  out.push(
    "Left out: CPU time, Durable Object duration, storage, and Workers Logs invocation logs; consumer invocations are shared by the messages of a batch as local Queues formed them.",
  );
  return out.join("\n");
}

/** The current tree beside the `--baseline` commit: each figure, the baseline's, and current ÷ baseline. */
export function formatBaseline(results: Results): string {
  const base = results.baseline as BaselineResults;
  const ratio = (current: number, baseline: number) => (baseline ? (current / baseline).toFixed(2) : "");
  const out = [
    `Against the baseline ${base.ref} (${base.commit.slice(0, 7)} "${base.subject}"): ratio = current ÷ baseline` +
      (base.same_lockfile
        ? ""
        : "; its package-lock.json differs from this checkout's, it ran on this checkout's node_modules"),
  ];
  if (base.ingest && results.ingest) {
    const { current_over_baseline: ratios } = base.ingest;
    const rows = Object.keys(ratios).map((platform) => {
      const c = results.ingest?.[platform] as Metrics;
      const b = base.ingest?.[platform] as Metrics;
      const r = ratios[platform] as Ratios;
      return [
        platform,
        c.rps.toFixed(0),
        b.rps.toFixed(0),
        r.throughput.toFixed(2),
        c.p99_ms.toFixed(1),
        b.p99_ms.toFixed(1),
        r.p99.toFixed(2),
        c.cpu_us_per_req.toFixed(0),
        b.cpu_us_per_req.toFixed(0),
        r.cpu.toFixed(2),
      ];
    });
    out.push(
      "Ingest, the baseline's routes in the same interleaved rounds:",
      table(["route", "req/s", "base", "ratio", "p99 ms", "base", "ratio", "CPU µs/req", "base", "ratio"], rows),
      "",
    );
  }
  const rows: string[][] = [];
  const row = (name: string, current: number, baseline: number) =>
    rows.push([name, String(current), String(baseline), ratio(current, baseline)]);
  const paced = results.meta.e2e_paced;
  if (base.e2e && results.e2e && paced) {
    const faults = (e: E2eResult) => e.lost + e.duplicates;
    row("e2e burst, events/s", results.e2e.events_per_s, base.e2e.burst.events_per_s);
    row("e2e paced, p50 ms", paced.p50_ms, base.e2e.paced.p50_ms);
    row("e2e paced, p99 ms", paced.p99_ms, base.e2e.paced.p99_ms);
    rows.push([
      "e2e lost + duplicates",
      String(faults(results.e2e) + faults(paced)),
      String(faults(base.e2e.burst) + faults(base.e2e.paced)),
      "",
    ]);
  }
  row("bundle, bytes gzipped", results.bundle.gzip_bytes, base.bundle.gzip_bytes);
  out.push(table(["", "current", "baseline", "ratio"], rows));
  return out.join("\n");
}
