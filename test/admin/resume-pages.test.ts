import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { DeliveryMessage } from "../../src/queue/messages";
import { AUDIT, CRM } from "../delivery/pause-support";
import { sampleEvent } from "../support/events";
import { PRODUCTION } from "../support/production/limits";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { pairOf, post, type Seed, seed, storedLetters, untilDone } from "./replay-support";

const RESUME = "/admin/targets/crm/resume";

beforeEach(async () => {
  await reset();
  await useTargets([CRM, AUDIT]);
  await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: "2026-11-20T09:00:00.000Z", by: "gone" }));
});

/** `n` letters kept for crm while it was paused, `e<from>`…, each a second apart. */
function kept(n: number, from = 0, extra: Partial<Seed> = {}): Seed[] {
  return Array.from({ length: n }, (_, i) => ({
    target: "crm",
    reason: "paused",
    eventId: `e${from + i}`,
    firstAttemptAt: new Date(Date.UTC(2026, 10, 20, 10) + (from + i) * 1000).toISOString(),
    ...extra,
  }));
}

describe("a resume after a night of 410s", () => {
  it("replays 5,000 kept letters over repeated calls, each exactly once, each call within the budget", async () => {
    // Written as records were before they carried metadata: the costliest case, every key read.
    await seed([
      ...kept(5000, 0, { legacy: true }),
      ...Array.from({ length: 40 }, (_, i): Seed => ({ target: "crm", reason: "failed", eventId: `f${i}` })),
      ...Array.from({ length: 10 }, (_, i): Seed => ({ target: "audit", reason: "paused", eventId: `a${i}` })),
    ]);
    const calls = await untilDone(RESUME);

    expect(calls.every((call) => call.status === 202)).toBe(true);
    expect(calls.map((call) => call.body.remaining)).toEqual([...calls.slice(1).map(() => true), false]);
    const operations = calls.map((call) => call.operations);
    expect(Math.max(...operations)).toBeLessThanOrEqual(PRODUCTION.freeOperations);
    const pairs = calls.flatMap((call) => call.queued.map(pairOf));
    expect(pairs).toHaveLength(5000);
    expect(new Set(pairs).size).toBe(5000);
    expect(pairs.every((pair) => pair.endsWith(" → crm"))).toBe(true);
    expect(calls.reduce((sum, call) => sum + (call.body.replayed as number), 0)).toBe(5000);
    // What was not kept for the pause stays, and so does another target's.
    const left = await storedLetters();
    expect(left.filter((letter) => letter.target === "crm").every((letter) => letter.reason === "failed")).toBe(true);
    expect(left).toHaveLength(50);
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
    console.info(
      `resume of 5,000: ${calls.length} calls, operations per call ${Math.min(...operations)}–${Math.max(...operations)}`,
    );
  }, 60_000);

  it("pages through the letters of a target no longer configured, within the budget, reading its pause too", async () => {
    await useTargets([AUDIT]);
    await seed(kept(300));
    const calls = await untilDone(RESUME);
    expect(calls.every((call) => call.status === 202)).toBe(true);
    expect(calls.length).toBeGreaterThan(1);
    expect(Math.max(...calls.map((call) => call.operations))).toBeLessThanOrEqual(PRODUCTION.freeOperations);
    const pairs = calls.flatMap((call) => call.queued.map(pairOf));
    expect(new Set(pairs).size).toBe(300);
    expect(pairs).toHaveLength(300);
    expect(await storedLetters()).toEqual([]);
  });

  it("replays oldest first: within one list page of 1,000 keys, that is across calls too", async () => {
    const seeds = kept(150);
    // Stored in an order unrelated to their times (and their keys are hashes of the event ids).
    await seed([...seeds].reverse());
    const calls = await untilDone(RESUME);
    expect(calls.length).toBeGreaterThan(1);
    const order = calls.flatMap((call) => call.queued.map((sent) => (sent.body as DeliveryMessage).event.id));
    expect(order).toEqual(seeds.map((spec) => spec.eventId));
  });

  it("replays each letter once when the queue refuses a batch part way, and keeps the rest for the next call", async () => {
    // About 59 KB each: four to a sendBatch (256 KB less room for the messages' metadata), so one call sends several batches.
    const large = (n: number) => sampleEvent(`e${n}`, { data: { raw: { notes: "x".repeat(59_000) } } });
    await seed(kept(20).map((spec, n) => ({ ...spec, event: large(n) })));
    const failed = await post(RESUME, undefined, (call) => (call === 1 ? new Error("queue unavailable") : undefined));
    expect(failed.status).toBe(503);
    expect(failed.body).toEqual({
      error:
        "the resume could not finish: the queue refused a batch after 4 kept deliveries were replayed; the rest are kept, resume again",
      code: "queue_unavailable",
    });
    expect(failed.queued).toHaveLength(4);
    expect(await storedLetters()).toHaveLength(16);

    const calls = await untilDone(RESUME);
    const pairs = [...failed.queued, ...calls.flatMap((call) => call.queued)].map(pairOf);
    expect(pairs).toHaveLength(20);
    expect(new Set(pairs).size).toBe(20);
    expect(await storedLetters()).toEqual([]);
  });

  it("spills each event too large for a message again, counting each spill against the budget", async () => {
    const huge = (n: number) => sampleEvent(`e${n}`, { data: { raw: { notes: "x".repeat(130_000) } } });
    await seed(kept(60).map((spec, n) => ({ ...spec, event: huge(n) })));
    const calls = await untilDone(RESUME);
    expect(calls.length).toBeGreaterThan(1);
    expect(Math.max(...calls.map((call) => call.operations))).toBeLessThanOrEqual(PRODUCTION.freeOperations);
    const sent = calls.flatMap((call) => call.queued.map((queued) => queued.body as DeliveryMessage));
    expect(new Set(sent.map((message) => message.event.id)).size).toBe(60);
    expect(sent).toHaveLength(60);
    for (const message of sent) {
      expect(new TextEncoder().encode(JSON.stringify(message)).byteLength).toBeLessThanOrEqual(
        PRODUCTION.queueMessageBytes,
      );
      expect(await env.RELAY_STATE.get(message.event.data.spilled ?? "", "json")).toEqual(
        huge(Number(message.event.id.slice(1))),
      );
    }
  });
});
