import type { E2ePlan } from "./e2e.ts";
import type { IngestPlan } from "./ingest.ts";
import type { SlotPlan } from "./slots.ts";

export interface BenchOptions {
  mode: "quick" | "full";
  ingest: IngestPlan;
  e2e: E2ePlan;
  slots: SlotPlan;
  /** Distinct signed requests per load target and run. */
  poolSize: number;
}

/**
 * `--quick` (under 3 minutes) or the full run (under 10). For profiling work:
 * `--skip-ingest`, `--skip-e2e`, `--skip-slots`, and `--keep` (keep the scratch dir with configs, builds and server logs).
 */
export function parseOptions(argv: readonly string[]): BenchOptions & { skip: Set<string>; keep: boolean } {
  const quick = argv.includes("--quick");
  const keep = argv.includes("--keep");
  const skip = new Set(
    argv.filter((arg) => /^--skip-(ingest|e2e|slots)$/.test(arg)).map((arg) => arg.slice("--skip-".length)),
  );
  const unknown = argv.filter((arg) => arg !== "--quick" && arg !== "--keep" && !skip.has(arg.slice("--skip-".length)));
  if (unknown.length > 0) throw new Error(`unknown option(s): ${unknown.join(" ")} (try --quick)`);
  return {
    mode: quick ? "quick" : "full",
    ingest: quick
      ? { connections: 16, seconds: 3, rounds: 3, warmupSeconds: 2 }
      : { connections: 16, seconds: 8, rounds: 5, warmupSeconds: 3 },
    e2e: quick
      ? { events: 5000, connections: 16, pacedRate: 40, pacedSeconds: 10, idleSeconds: 30, graceSeconds: 3 }
      : { events: 5000, connections: 16, pacedRate: 40, pacedSeconds: 30, idleSeconds: 30, graceSeconds: 3 },
    slots: quick ? { requests: 1000, targets: 10 } : { requests: 3000, targets: 30 },
    poolSize: 2048,
    skip,
    keep,
  };
}
