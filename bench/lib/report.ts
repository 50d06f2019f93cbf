import type { E2eResult } from "./e2e.ts";
import type { Metrics } from "./ingest.ts";

export interface Results {
  ingest?: Record<string, Metrics> & { ratios: Record<string, { throughput: number; p99: number; cpu: number }> };
  e2e?: E2eResult;
  bundle: { gzip_bytes: number };
  meta: Record<string, unknown>;
}

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
  if (results.e2e && results.e2e.lost > 0) missed.push(`e2e: ${results.e2e.lost} events lost`);
  if (results.e2e && results.e2e.duplicates > 0) missed.push(`e2e: ${results.e2e.duplicates} duplicate deliveries`);
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

const mark = (ok: boolean) => (ok ? "" : " ✗");

export function formatResults(results: Results): string {
  const out: string[] = [];
  const meta = results.meta;
  if (results.ingest) {
    const { ratios, ...metrics } = results.ingest;
    const rows = Object.entries(metrics).map(([name, m]) => {
      const r = ratios[name];
      return [
        name,
        m.rps.toFixed(0),
        m.p50_ms.toFixed(1),
        m.p99_ms.toFixed(1),
        m.cpu_us_per_req.toFixed(0),
        r ? `${r.throughput.toFixed(2)}${mark(r.throughput >= TARGETS.throughput)}` : "",
        r ? `${r.p99.toFixed(2)}${mark(r.p99 <= TARGETS.p99)}` : "",
        r ? `${r.cpu.toFixed(2)}${mark(r.cpu <= TARGETS.cpu)}` : "",
      ];
    });
    out.push(
      `Ingest (autocannon, ${meta.concurrency} connections, ${meta.ingest_rounds} interleaved rounds × ${meta.ingest_seconds} s per route; relay without queue consumers)`,
      table(["route", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "thr ×floor", "p99 ×floor", "CPU ×floor"], rows),
      "targets: throughput ≥ 0.80 × floor, p99 and CPU ≤ 1.50 × floor (✗ = missed)",
      "",
    );
  }
  if (results.e2e) {
    const e = results.e2e;
    out.push(
      `End to end (signed events → relay with consumers → local sink)`,
      table(
        ["events", "delivered", "lost", "duplicates", "events/s", "p50 ms", "p99 ms"],
        [[e.events, e.delivered, e.lost, e.duplicates, e.events_per_s, e.p50_ms, e.p99_ms].map(String)],
      ),
      "",
    );
  }
  const kib = (results.bundle.gzip_bytes / 1024).toFixed(1);
  out.push(`Bundle: ${results.bundle.gzip_bytes} bytes gzipped (${kib} KiB; target < 64 KiB)`, "");
  out.push(`Machine: ${meta.cores} × ${meta.cpu_model}, Node ${meta.node}, wrangler ${meta.wrangler}, ${meta.date}`);
  return out.join("\n");
}
