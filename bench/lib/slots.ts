import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { relayToml, writeServerDir } from "./configs.ts";
import { REPO } from "./paths.ts";
import { percentile, round } from "./stats.ts";
import { buildBundle, type DevServer, startDev } from "./wrangler.ts";

export interface SlotPlan {
  /** Slot requests, one per queue message. */
  requests: number;
  /** Chat targets they are spread over (one rate limiter each). */
  targets: number;
}

export interface SlotResult {
  requests: number;
  targets: number;
  /** Answers that let the message go now, and answers that gave it a later slot. */
  go: number;
  waited: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  /** The first request to each target's object (it starts and creates its table). */
  first_p50_ms: number;
}

/**
 * The slot worker's config: the relay's own Durable Object binding and migrations (copied from
 * wrangler.toml), one queue with a consumer like the relay's delivery consumer, nothing else.
 */
export function slotToml(source: string, main: string, queuePrefix: string): string {
  const sections = source.split(/^(?=\[)/m);
  const limiter = sections.filter((s) => s.startsWith("[[durable_objects.") || s.startsWith("[[migrations]]"));
  const keep = source.split("\n").filter((line) => /^compatibility_(date|flags)\s*=/.test(line));
  const queue = `${queuePrefix}slots`;
  return [
    'name = "bench-slots"',
    `main = ${JSON.stringify(main)}`,
    ...keep,
    "",
    ...limiter,
    "[[queues.producers]]",
    'binding = "SLOT_QUEUE"',
    `queue = "${queue}"`,
    "",
    "[[queues.consumers]]",
    `queue = "${queue}"`,
    "max_batch_size = 10",
    "max_batch_timeout = 1",
    "",
  ].join("\n");
}

/**
 * Builds the slot worker around the relay's bundle (its `ChatRateLimiter` class), serves it, has its
 * consumer ask for `plan.requests` slots and returns what each request took.
 */
export async function runSlots(
  runDir: string,
  relayBundle: string,
  queuePrefix: string,
  started: DevServer[],
  plan: SlotPlan,
  progress: (line: string) => void,
): Promise<SlotResult> {
  const srcDir = join(runDir, "src-slots");
  mkdirSync(srcDir, { recursive: true });
  const entry = join(srcDir, "entry.ts");
  writeFileSync(
    entry,
    [
      `export { ChatRateLimiter } from ${JSON.stringify(relayBundle)};`,
      `export { default } from ${JSON.stringify(join(REPO, "bench", "slots", "index.ts"))};`,
      "",
    ].join("\n"),
  );
  const source = relayToml();
  const bundle = await buildBundle(
    writeServerDir(srcDir, slotToml(source, entry, queuePrefix), {}),
    join(runDir, "build", "slots"),
    runDir,
  );
  const config = writeServerDir(join(runDir, "slots"), slotToml(source, bundle, queuePrefix), {});
  const server = await startDev("slots", config, {
    runDir,
    persistTo: join(runDir, "state-slots"),
    readyPath: "/",
  });
  started.push(server);

  const start = await fetch(`${server.url}/start?n=${plan.requests}&targets=${plan.targets}`, { method: "POST" });
  if (!start.ok) throw new Error(`slot worker /start answered ${start.status}`);
  progress(`slots: ${plan.requests} requests over ${plan.targets} targets queued`);
  const samples = await waitForSamples(server.url, plan.requests);
  const ms = samples.map((sample) => sample.ms);
  const go = samples.filter((sample) => sample.go).length;
  return {
    requests: samples.length,
    targets: plan.targets,
    go,
    waited: samples.length - go,
    p50_ms: round(percentile(ms, 50), 2),
    p90_ms: round(percentile(ms, 90), 2),
    p99_ms: round(percentile(ms, 99), 2),
    max_ms: round(Math.max(...ms), 2),
    first_p50_ms: round(
      percentile(
        samples.filter((s) => s.first).map((s) => s.ms),
        50,
      ),
      2,
    ),
  };
}

type Sample = { ms: number; go: boolean; first: boolean };

/** Polls until the consumer has asked every slot; fails if it stops making progress for 30 s. */
async function waitForSamples(url: string, expected: number): Promise<Sample[]> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const { samples } = (await (await fetch(`${url}/results`)).json()) as { samples: Sample[] };
    if (samples.length >= expected) return samples;
    if (samples.length !== last) {
      last = samples.length;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > 30_000) {
      throw new Error(`slot worker stuck at ${samples.length} of ${expected} requests`);
    }
    await sleep(500);
  }
}
