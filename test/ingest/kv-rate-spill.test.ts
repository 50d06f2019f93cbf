import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { EventsMessage } from "../../src/queue/messages";
import { reset } from "../support/reset";
import { base64Json, SEED_CALLBACK, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

/**
 * KV takes one write per key per second, across requests too. A callback whose event is too large for a
 * queue message (or whose events are too large to queue together) is written to KV on arrival, under a key
 * the same for every copy of it; a platform that sends it twice within a second (a retry on a short
 * timeout, or two copies of an at-least-once delivery) meets a refused write on the second. That write was
 * already made, with the same content: the second copy is queued and answered as the first, never 503.
 */
beforeEach(async () => {
  await reset();
});

/** One payload item of about 150 KB: too large for a queue message on its own. */
const bigCallback = {
  ...SEED_CALLBACK,
  unique_sequence: "kv-rate-big-1",
  payload: [{ ...SEED_CALLBACK.payload[0], attachments: "会".repeat(50_000) }],
};

/** 110 items of about 1.2 KB: more than one sendBatch, and together too large for one message. */
const manyCallback = {
  ...SEED_CALLBACK,
  unique_sequence: "kv-rate-many-1",
  payload: Array.from({ length: 110 }, (_, i) => ({ ...SEED_CALLBACK.payload[0], note: `${i}:${"x".repeat(1_200)}` })),
};

describe("the same large callback twice within a second", () => {
  it("an event too large for a message: both copies are answered 200 and queued as the same stub", async () => {
    const first = await callWorker(await tencentEventRequest(base64Json(bigCallback)));
    const second = await callWorker(await tencentEventRequest(base64Json(bigCallback)));

    for (const call of [first, second]) {
      expect(call.response.status).toBe(200);
      expect(await call.response.text()).toBe("successfully received callback");
    }
    const key = first.enqueued[0]?.data.spilled;
    expect(key).toMatch(/^spill:[0-9a-f]{64}$/);
    expect(second.enqueued.map((event) => [event.id, event.data.spilled])).toEqual([
      ["tencent-meeting:kv-rate-big-1:0", key],
    ]);
    const stored = JSON.parse((await env.RELAY_STATE.get(key ?? "")) ?? "{}");
    expect(stored.data.raw).toEqual(bigCallback.payload[0]);
  });

  it("events too large to queue together: both copies are answered 200 and queued naming the same callback", async () => {
    const first = await callWorker(await tencentEventRequest(base64Json(manyCallback)));
    const second = await callWorker(await tencentEventRequest(base64Json(manyCallback)));

    for (const call of [first, second]) {
      expect(call.response.status).toBe(200);
      expect(await call.response.text()).toBe("successfully received callback");
    }
    const [bundle] = first.calls.flat() as EventsMessage[];
    expect(bundle).toMatchObject({ kind: "events", count: 110, callback: expect.stringMatching(/^spill:/) });
    expect(second.calls).toEqual([[{ ...bundle, receivedAt: expect.any(Number) }]]);
    expect(await env.RELAY_STATE.get(bundle?.callback ?? "")).not.toBeNull();
  });
});
