import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { encodeUtf8 } from "../../src/lib/bytes";
import type { EventMessage, QueueMessage } from "../../src/queue/messages";
import { acceptEveryDelivery } from "../support/fetch";
import { loggedLines } from "../support/log";
import { consume, envWith, type QueueFailure, recordQueue } from "../support/queue";
import { useTargets } from "../support/targets";
import { base64Json, SEED_CALLBACK, tencentEventRequest } from "../support/tencent-meeting";

const EVENTS = "meeting-relay-events";
const ITEMS = 3_000;

/** One signed Tencent callback carrying 3,000 participants (about 150 KB, inside the 256 KiB body limit). */
async function bigCallback(): Promise<Request> {
  const payload = Array.from({ length: ITEMS }, (_, i) => ({ operator: { userid: `u${i}`, user_name: `用户${i}` } }));
  const callback = { ...SEED_CALLBACK, event: "meeting.participant-joined", unique_sequence: "fan-in-0001", payload };
  return tencentEventRequest(base64Json(callback));
}

/** Ingests one request, recording each call to EVENTS_QUEUE (`failWith` makes them fail). */
async function ingest(request: Request, options: { failWith?: QueueFailure } = {}) {
  const events = recordQueue(env.EVENTS_QUEUE, options);
  try {
    const response = await worker.fetch(request, envWith(), {} as ExecutionContext);
    return { response, calls: events.calls, sent: events.sent };
  } finally {
    events.restore();
  }
}

const outbound = acceptEveryDelivery();

describe("a callback with thousands of items", () => {
  it("is queued with one send on the response path and answered 200", async () => {
    const { response, calls } = await ingest(await bigCallback());
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("successfully received callback");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(1);
    // Too large for one message: the callback they are made from waits in KV, and the message names it.
    expect(calls[0]?.[0]).toEqual({
      kind: "events",
      callback: expect.stringMatching(/^spill:[0-9a-f]{64}$/),
      count: ITEMS,
      receivedAt: expect.any(Number),
    });
  });

  it("is logged in one line of bounded size: the first 100 ids and types, and the count", async () => {
    const { result, lines } = await loggedLines(async () => ingest(await bigCallback()));
    expect(result.response.status).toBe(200);
    const [line] = lines.filter((entry) => entry.kind === "ingest");
    expect(line).toMatchObject({ outcome: "queued", events: ITEMS });
    expect(line?.ids).toHaveLength(100);
    expect(line?.types).toHaveLength(100);
    expect((line?.ids as string[] | undefined)?.at(-1)).toBe("tencent-meeting:fan-in-0001:99");
  });

  it("is split by the fan-out consumer, and every item's event is delivered exactly once", async () => {
    await useTargets([{ id: "crm", url: "https://crm.example.com/in" }]);
    const { calls } = await ingest(await bigCallback());
    const [bundle] = calls[0] ?? [];

    const split = await consume(EVENTS, [bundle as QueueMessage]);
    expect(split).toMatchObject({ acked: ["m0"], retried: [] });
    expect(outbound.requests).toEqual([]);
    const messages = split.events.map((sent) => sent.body as EventMessage);
    expect(messages).toHaveLength(ITEMS);
    expect(messages.every((message) => message.kind === "event")).toBe(true);

    // The consumer runs them in batches, as Queues would.
    for (let i = 0; i < messages.length; i += 100) {
      const run = await consume(EVENTS, messages.slice(i, i + 100));
      expect(run.acked).toHaveLength(Math.min(100, messages.length - i));
    }
    const ids = outbound.requests.map((request) => JSON.parse(request.body).id as string);
    expect(ids).toHaveLength(ITEMS);
    expect(new Set(ids).size).toBe(ITEMS);
    expect(ids).toContain("tencent-meeting:fan-in-0001:2999");
  }, 60_000);

  it("sends the split events within Queues' batch limits: at most 100 messages and 256 KB per sendBatch", async () => {
    const { calls } = await ingest(await bigCallback());
    const [bundle] = calls[0] ?? [];
    const { eventCalls } = await consume(EVENTS, [bundle as QueueMessage]);
    expect(eventCalls.flat()).toHaveLength(ITEMS);
    for (const call of eventCalls) {
      expect(call.length).toBeLessThanOrEqual(100);
      const bytes = call.reduce((sum, body) => sum + encodeUtf8(JSON.stringify(body)).byteLength, 0);
      expect(bytes).toBeLessThanOrEqual(256_000);
    }
  });

  it("a split interrupted part way resumes where it stopped: each event is queued once", async () => {
    const { calls } = await ingest(await bigCallback());
    const bundle = calls[0]?.[0] as QueueMessage;
    // Queues fails on the third sendBatch of the split.
    const first = await consume(EVENTS, [bundle], {
      eventsFailWith: (call) => (call === 2 ? new Error("Queues unavailable") : undefined),
    });
    expect(first).toMatchObject({ acked: [], retried: [{ msgId: "m0", delaySeconds: 10 }] });
    const queuedFirst = first.events.length;
    expect(queuedFirst).toBeGreaterThan(0);
    expect(queuedFirst).toBeLessThan(ITEMS);

    const second = await consume(EVENTS, [bundle], { attempts: 2 });
    expect(second.acked).toEqual(["m0"]);
    const ids = [...first.events, ...second.events]
      .map(({ body }) => body)
      .map((body) => (body as EventMessage).event.id);
    expect(ids).toHaveLength(ITEMS);
    expect(new Set(ids).size).toBe(ITEMS);
  });

  it("is split again by the dead-letter queue when Queues gave up on it", async () => {
    const { calls } = await ingest(await bigCallback());
    const run = await consume("meeting-relay-dlq", [calls[0]?.[0] as QueueMessage]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.events).toHaveLength(ITEMS);
  });

  it("answers 503 with nothing queued when the callback cannot be written to KV (no partial acceptance)", async () => {
    vi.spyOn(env.RELAY_STATE, "put").mockRejectedValue(new Error("KV unavailable"));
    const { response, calls } = await ingest(await bigCallback());
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "the event could not be queued; retry later",
      code: "queue_unavailable",
    });
    expect(calls).toEqual([]);
  });

  it("answers 503 when the one send fails, and nothing was queued", async () => {
    const { response, calls, sent } = await ingest(await bigCallback(), { failWith: new Error("Queues unavailable") });
    expect(response.status).toBe(503);
    expect(calls).toHaveLength(1);
    expect(sent).toEqual([]);
  });
});

describe("a callback with more items than one sendBatch takes, but small", () => {
  it("is one events message carrying them, with nothing written to KV", async () => {
    const payload = Array.from({ length: 150 }, (_, i) => ({ operator: { userid: `u${i}` } }));
    const callback = { ...SEED_CALLBACK, event: "meeting.participant-joined", unique_sequence: "mid-0001", payload };
    const { response, calls } = await ingest(await tencentEventRequest(base64Json(callback)));
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(1);
    const bundle = calls[0]?.[0];
    expect(bundle?.kind === "events" && bundle.events?.map((event) => event.id)).toEqual(
      payload.map((_, i) => `tencent-meeting:mid-0001:${i}`),
    );
    expect((await env.RELAY_STATE.list()).keys).toEqual([]);
    const split = await consume(EVENTS, [bundle as QueueMessage]);
    expect(split.events.map((sent) => (sent.body as EventMessage).event.id)).toHaveLength(150);
  });
});

describe("a callback with a few items", () => {
  it("is queued as one event message per item, in one sendBatch", async () => {
    const payload = [SEED_CALLBACK.payload[0], SEED_CALLBACK.payload[0], SEED_CALLBACK.payload[0]];
    const { response, calls } = await ingest(
      await tencentEventRequest(base64Json({ ...SEED_CALLBACK, unique_sequence: "few-0001", payload })),
    );
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.map((body) => body.kind === "event" && body.event.id)).toEqual([
      "tencent-meeting:few-0001:0",
      "tencent-meeting:few-0001:1",
      "tencent-meeting:few-0001:2",
    ]);
    expect((await env.RELAY_STATE.list()).keys).toEqual([]);
  });
});
