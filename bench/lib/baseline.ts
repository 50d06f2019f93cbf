import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { bundleSize } from "./bundle.ts";
import type { E2eResult } from "./e2e.ts";
import type { Metrics } from "./ingest.ts";
import { REPO } from "./paths.ts";
import { round } from "./stats.ts";
import { buildBundle } from "./wrangler.ts";

/**
 * `npm run bench -- --baseline <git-ref>`: the same benchmark run side by side against another
 * commit of the relay. The ref is checked out as a detached `git worktree` in the run's scratch dir
 * (removed again on the way out, also on errors and Ctrl-C), shares this checkout's node_modules
 * (`npm ci` is not needed when the lockfiles match; the result says whether they do), and is built
 * from its own wrangler.toml with `wrangler deploy --dry-run`, like the current tree.
 */
export interface BaselineTree {
  /** The ref as given, and the commit it names. */
  ref: string;
  commit: string;
  /** The commit's subject line, for the report. */
  subject: string;
  /** The worktree: the ref's wrangler.toml, migrations and console assets. */
  root: string;
  /** Its Worker bundle (the module `wrangler deploy --dry-run` wrote). */
  bundle: string;
  size: { raw_bytes: number; gzip_bytes: number };
  /** Whether the ref's package-lock.json equals this checkout's (the node_modules both run on). */
  sameLockfile: boolean;
  /** Removes the worktree (idempotent; also runs when Node exits). */
  remove(): void;
}

/** Ingest route names of the baseline's platform routes in the interleaved rounds. */
export const baselineName = (platform: string) => `baseline:${platform}`;

const git = (args: string[]) => execFileSync("git", args, { cwd: REPO, encoding: "utf8", stdio: "pipe" }).trim();

/** Checks out `ref` as a detached worktree under `runDir` and builds its relay bundle. */
export async function prepareBaseline(ref: string, runDir: string): Promise<BaselineTree> {
  let commit: string;
  try {
    commit = git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  } catch {
    throw new Error(`--baseline ${ref}: not a commit of this repository (try a hash, a tag or origin/main)`);
  }
  const subject = git(["log", "-1", "--format=%s", commit]);
  const root = join(runDir, "baseline-tree");
  git(["worktree", "add", "--detach", "--quiet", root, commit]);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    process.off("exit", remove);
    try {
      git(["worktree", "remove", "--force", root]);
    } catch {
      // Already gone (say the scratch dir was deleted): forget its metadata instead.
      try {
        git(["worktree", "prune"]);
      } catch {
        // Nothing more to do.
      }
    }
  };
  // Ctrl-C and fatal errors end in process.exit: the worktree goes with the processes.
  process.on("exit", remove);
  try {
    symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"), "dir");
    const lock = (dir: string) => {
      const path = join(dir, "package-lock.json");
      return existsSync(path) ? readFileSync(path, "utf8") : "";
    };
    const sameLockfile = lock(root) === lock(REPO);
    const out = join(runDir, "build", "baseline");
    const bundle = await buildBundle(join(root, "wrangler.toml"), out, runDir);
    return { ref, commit, subject, root, bundle, size: bundleSize(out), sameLockfile, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

type Ratios = { throughput: number; p99: number; cpu: number };

export interface BaselineResults {
  ref: string;
  commit: string;
  subject: string;
  /** false: the ref's package-lock.json differs from this checkout's, yet it ran on this checkout's node_modules. */
  same_lockfile: boolean;
  bundle: { gzip_bytes: number; raw_bytes: number };
  /** The baseline's ingest routes, measured in the same interleaved rounds; ratios are current ÷ baseline. */
  ingest?: Record<string, Metrics> & { current_over_baseline: Record<string, Ratios> };
  /** The baseline's burst and paced phases, same plan and sink; ratios are current ÷ baseline. */
  e2e?: {
    burst: E2eResult;
    paced: E2eResult & { rate_per_s: number };
    current_over_baseline: { burst_events_per_s: number; paced_p50: number; paced_p99: number };
  };
}

/** Takes the `baseline:<platform>` routes out of `metrics` (the current tree's), keyed by platform. */
export function splitBaselineMetrics(metrics: Record<string, Metrics>, platforms: readonly string[]) {
  const taken: Record<string, Metrics> = {};
  for (const platform of platforms) {
    const name = baselineName(platform);
    if (metrics[name]) taken[platform] = metrics[name];
    delete metrics[name];
  }
  return taken;
}

/** Each platform's current figures over the baseline's (throughput > 1 and p99, CPU < 1 are better). */
export function currentOverBaseline(metrics: Record<string, Metrics>, platforms: readonly string[]) {
  const ratios: Record<string, Ratios> = {};
  for (const platform of platforms) {
    const current = metrics[platform] as Metrics;
    const base = metrics[baselineName(platform)] as Metrics;
    ratios[platform] = {
      throughput: round(current.rps / base.rps, 3),
      p99: round(current.p99_ms / base.p99_ms, 3),
      cpu: round(current.cpu_us_per_req / base.cpu_us_per_req, 3),
    };
  }
  return ratios;
}

/** The e2e figures the issue compares: burst events/s and paced latency, current ÷ baseline. */
export function e2eCurrentOverBaseline(current: { burst: E2eResult; paced: E2eResult }, base: typeof current) {
  return {
    burst_events_per_s: round(current.burst.events_per_s / base.burst.events_per_s, 3),
    paced_p50: round(current.paced.p50_ms / base.paced.p50_ms, 3),
    paced_p99: round(current.paced.p99_ms / base.paced.p99_ms, 3),
  };
}
