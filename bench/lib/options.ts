import type { CostPlan } from "./cost.ts";
import type { E2ePlan } from "./e2e.ts";
import type { IngestPlan } from "./ingest.ts";
import type { RoutePlan } from "./route.ts";
import type { SlotPlan } from "./slots.ts";

export interface BenchOptions {
  mode: "quick" | "full";
  ingest: IngestPlan;
  e2e: E2ePlan;
  slots: SlotPlan;
  cost: CostPlan;
  route: RoutePlan;
  /** Distinct signed requests per load target and run. */
  poolSize: number;
}

/**
 * `--quick` (under 3 minutes) or the full run (under 10). For profiling work:
 * `--skip-ingest`, `--skip-e2e`, `--skip-slots`, `--skip-cost`, `--skip-route`, and `--keep` (keep the scratch dir with configs, builds and server logs).
 * `--baseline <git-ref>` also measures that commit's relay, side by side (bench/lib/baseline.ts).
 */
export function parseOptions(
  args: readonly string[],
): BenchOptions & { skip: Set<string>; keep: boolean; baseline?: string | undefined } {
  const { baseline, argv } = takeBaseline(args);
  const quick = argv.includes("--quick");
  const keep = argv.includes("--keep");
  const skip = new Set(
    argv.filter((arg) => /^--skip-(ingest|e2e|slots|cost|route)$/.test(arg)).map((arg) => arg.slice("--skip-".length)),
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
    cost: quick ? { events: 20, rate: 10 } : { events: 50, rate: 10 },
    route: quick ? { iterations: 500, rounds: 3, repeats: 2 } : { iterations: 1000, rounds: 5, repeats: 3 },
    poolSize: 2048,
    skip,
    keep,
    baseline,
  };
}

/** `--baseline <ref>` or `--baseline=<ref>`, and the other arguments. */
function takeBaseline(args: readonly string[]): { baseline?: string; argv: string[] } {
  const argv = [...args];
  const at = argv.findIndex((arg) => arg === "--baseline" || arg.startsWith("--baseline="));
  if (at < 0) return { argv };
  const [arg] = argv.splice(at, 1) as [string];
  const ref = arg === "--baseline" ? argv.splice(at, 1)[0] : arg.slice("--baseline=".length);
  if (!ref || ref.startsWith("--")) throw new Error("--baseline needs a git ref, e.g. --baseline origin/main");
  return { baseline: ref, argv };
}
