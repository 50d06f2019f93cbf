import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AUDIT, CRM, DELIVERIES } from "../delivery/pause-support";
import { mockFetch } from "../support/fetch";
import { aSecondPasses } from "../support/production/kv";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { type PagedCall, pairOf, post, type Seed, seed, storedLetters } from "./replay-support";

const REPLAY = "/admin/dead-letters/replay";

let outbound: ReturnType<typeof mockFetch>;

beforeEach(async () => {
  await reset();
  outbound = mockFetch(() => new Response(null, { status: 204 }));
});

afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

/** `n` letters of `target` kept for `reason`, `e0`…, a second apart. */
const letters = (n: number, target: string, reason: Seed["reason"]): Seed[] =>
  Array.from({ length: n }, (_, i) => ({
    target,
    reason,
    eventId: `e${i}`,
    firstAttemptAt: new Date(Date.UTC(2026, 10, 20, 10) + i * 1000).toISOString(),
  }));

/**
 * "Replay all" as the console runs it: a call, then the retry consumer takes up what it queued (as it
 * does once the replay's two seconds have passed), then the next call while the answer says "remaining";
 * at most `limit` calls.
 */
async function replayAll(body: string, limit: number): Promise<PagedCall[]> {
  const calls: PagedCall[] = [];
  do {
    const call = await post(REPLAY, body);
    calls.push(call);
    aSecondPasses();
    if (call.queued.length > 0)
      await consume(
        DELIVERIES,
        call.queued.map((sent) => sent.body),
      );
  } while (calls.at(-1)?.body.remaining === true && calls.length < limit);
  return calls;
}

describe("a replay all whose letters come straight back (a paused, disabled or removed target)", () => {
  it("ends once each letter was replayed once, instead of replaying the ones that came back for ever", async () => {
    await useTargets([CRM, AUDIT]);
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: "2026-11-20T09:00:00.000Z", by: "gone" }));
    await seed(letters(100, "crm", "paused"));

    const calls = await replayAll(JSON.stringify({ target: "crm" }), 12);

    // Before the fix every call found 45 letters (those that came back sort after the others) and said
    // "remaining": the console went on replaying the same letters until it was closed.
    expect(calls.at(-1)?.body.remaining).toBe(false);
    const pairs = calls.flatMap((call) => call.queued.map(pairOf));
    expect(pairs).toHaveLength(100);
    expect(new Set(pairs).size).toBe(100);
    // Each came back, kept for the resume: nothing lost.
    const left = await storedLetters();
    expect(left).toHaveLength(100);
    expect(left.every((letter) => letter.reason === "paused")).toBe(true);
    expect(outbound.requests).toEqual([]);
  });

  it("the same for the letters of a target no longer configured", async () => {
    await useTargets([AUDIT]);
    await seed(letters(100, "crm", "removed"));
    const calls = await replayAll(JSON.stringify({ reason: "removed" }), 12);
    expect(calls.at(-1)?.body.remaining).toBe(false);
    expect(new Set(calls.flatMap((call) => call.queued.map(pairOf))).size).toBe(100);
    expect(calls.flatMap((call) => call.queued)).toHaveLength(100);
    expect(await storedLetters()).toHaveLength(100);
  });

  it("a new replay all, once the last one ended, replays them again", async () => {
    await useTargets([AUDIT]);
    await seed(letters(50, "crm", "removed"));
    const first = await replayAll("", 12);
    expect(first.at(-1)?.body.remaining).toBe(false);
    const again = await replayAll("", 12);
    expect(again.at(-1)?.body.remaining).toBe(false);
    expect(again.flatMap((call) => call.queued)).toHaveLength(50);
  });
});

describe("a replayed delivery whose target is still paused", () => {
  it("waits 2 s in the queue, so the consumer keeping it again is not refused by KV; one replayed to every target does not", async () => {
    await useTargets([CRM, AUDIT]);
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: "2026-11-20T09:00:00.000Z", by: "gone" }));
    await seed([...letters(3, "crm", "paused"), { target: "*", reason: "failed", eventId: "all" }]);
    const call = await post(REPLAY);
    expect(call.body).toEqual({ replayed: 4, remaining: false });
    const delays = call.queued.map((sent) => [(sent.body as { kind: string }).kind, sent.delaySeconds]);
    expect(delays.sort()).toEqual([
      ["delivery", 2],
      ["delivery", 2],
      ["delivery", 2],
      ["event", undefined],
    ]);
    const replays = call.queued.filter((sent) => sent.body.kind === "delivery").map((sent) => sent.body);

    // Taken up at once, as it would be without the delay: KV refuses the keep (its key was deleted less than
    // a second ago), and the delivery comes back later, not lost.
    const early = await consume(DELIVERIES, replays);
    expect(early.acked).toEqual([]);
    expect(early.retried.map((retry) => retry.msgId)).toEqual(["m0", "m1", "m2"]);

    // Taken up once the delay has passed: kept again for the resume, at once.
    aSecondPasses();
    const onTime = await consume(DELIVERIES, replays);
    expect(onTime).toMatchObject({ acked: ["m0", "m1", "m2"], retried: [] });
    expect((await storedLetters()).filter((letter) => letter.target === "crm")).toHaveLength(3);
  });

  it("waits 2 s when replayed on its own too", async () => {
    await useTargets([CRM, AUDIT]);
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: "2026-11-20T09:00:00.000Z", by: "gone" }));
    const [letter] = await seed(letters(1, "crm", "paused"));
    const call = await post(`/admin/dead-letters/${letter?.id}/replay`);
    expect(call.status).toBe(202);
    expect(call.queued.map((sent) => sent.delaySeconds)).toEqual([2]);
    aSecondPasses();
    const onTime = await consume(
      DELIVERIES,
      call.queued.map((sent) => sent.body),
    );
    expect(onTime).toMatchObject({ acked: ["m0"], retried: [] });
    expect(await storedLetters()).toEqual([expect.objectContaining({ id: letter?.id, reason: "paused" })]);
  });
});
