/**
 * `npm run bench -- --baseline <ref>`: the option, the order of the interleaved ingest rounds (the
 * current route and the baseline's take turns going first), and the current ÷ baseline figures.
 * Pure functions: no Worker is started here.
 */
import { describe, expect, it } from "vitest";
import { currentOverBaseline, splitBaselineMetrics } from "../../bench/lib/baseline.ts";
import { roundOrder } from "../../bench/lib/ingest.ts";
import { parseOptions } from "../../bench/lib/options.ts";

describe("npm run bench -- --baseline <git-ref>", () => {
  it("takes the ref in either spelling, beside the other options, and refuses a missing one", () => {
    expect(parseOptions(["--quick", "--baseline", "b351b26", "--skip-slots"])).toMatchObject({
      mode: "quick",
      baseline: "b351b26",
      skip: new Set(["slots"]),
    });
    expect(parseOptions(["--baseline=origin/main"]).baseline).toBe("origin/main");
    expect(parseOptions(["--quick"]).baseline).toBeUndefined();
    expect(() => parseOptions(["--baseline"])).toThrow("--baseline needs a git ref, e.g. --baseline origin/main");
    expect(() => parseOptions(["--baseline", "--quick"])).toThrow("--baseline needs a git ref");
  });

  it("runs each baseline route after its current route in odd rounds and before it in even ones", () => {
    const targets = [
      { name: "floor" },
      { name: "floor-io" },
      { name: "yunhuni" },
      { name: "baseline:yunhuni", alternate: true },
      { name: "huawei-meeting" },
      { name: "baseline:huawei-meeting", alternate: true },
    ];
    const names = (r: number) => roundOrder(targets, r).map((t) => t.name);
    expect(names(1)).toEqual([
      "floor",
      "floor-io",
      "yunhuni",
      "baseline:yunhuni",
      "huawei-meeting",
      "baseline:huawei-meeting",
    ]);
    expect(names(2)).toEqual([
      "floor",
      "floor-io",
      "baseline:yunhuni",
      "yunhuni",
      "baseline:huawei-meeting",
      "huawei-meeting",
    ]);
    expect(names(3)).toEqual(names(1));
    expect(targets.map((t) => t.name)).toEqual(names(1));
  });

  it("reports the baseline's routes apart, per platform, and each figure as current ÷ baseline", () => {
    const metrics = {
      floor: { rps: 600, p50_ms: 20, p99_ms: 80, cpu_us_per_req: 900 },
      yunhuni: { rps: 300, p50_ms: 50, p99_ms: 150, cpu_us_per_req: 2400 },
      "baseline:yunhuni": { rps: 250, p50_ms: 60, p99_ms: 200, cpu_us_per_req: 3000 },
    };
    const ratios = currentOverBaseline(metrics, ["yunhuni"]);
    expect(ratios).toEqual({ yunhuni: { throughput: 1.2, p99: 0.75, cpu: 0.8 } });
    expect(splitBaselineMetrics(metrics, ["yunhuni"])).toEqual({
      yunhuni: { rps: 250, p50_ms: 60, p99_ms: 200, cpu_us_per_req: 3000 },
    });
    expect(Object.keys(metrics)).toEqual(["floor", "yunhuni"]);
  });
});
