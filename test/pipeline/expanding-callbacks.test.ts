import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RelayEvent } from "../../src/core/cloud-event";
import { MAX_BODY_BYTES } from "../../src/ingest/routes";
import { sha256Hex } from "../../src/lib/crypto";
import { isoFromMs } from "../../src/lib/time";
import type { EventMessage, EventsMessage, QueueMessage } from "../../src/queue/messages";
import { acceptEveryDelivery } from "../support/fetch";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";
import { base64Json, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

/**
 * A signed Tencent callback under the body limit can still make events far larger than itself: each
 * payload item, however small, becomes a whole CloudEvent, and the event name is repeated into every one.
 * 90,000 items of `0` make about 38 MB of events, past the 25 MiB KV takes as one value; the relay must
 * still answer Tencent's success form and get every event to the consumers, within every limit.
 */
const EVENTS = "meeting-relay-events";
const QUEUE_MESSAGE_BYTES = 128_000;
const QUEUE_BATCH_BYTES = 256_000;
const QUEUE_BATCH_MESSAGES = 100;
/** The longest trace id kept as sent in event ids (a longer one is hashed to 64 hex digits). */
const TRACE_ID = "t".repeat(128);

const bytesOf = (body: unknown) => new TextEncoder().encode(JSON.stringify(body)).byteLength;

function expectWithinQueueLimits(calls: readonly QueueMessage[][]): void {
  for (const call of calls) {
    expect(call.length).toBeLessThanOrEqual(QUEUE_BATCH_MESSAGES);
    expect(call.reduce((sum, body) => sum + bytesOf(body), 0)).toBeLessThanOrEqual(QUEUE_BATCH_BYTES);
    for (const body of call) expect(bytesOf(body)).toBeLessThanOrEqual(QUEUE_MESSAGE_BYTES);
  }
}

async function signedCallback(event: string, items: number): Promise<Request> {
  const request = await tencentEventRequest(base64Json({ event, trace_id: TRACE_ID, payload: Array(items).fill(0) }));
  expect((await request.clone().arrayBuffer()).byteLength).toBeLessThanOrEqual(MAX_BODY_BYTES);
  return request;
}

/** Ingests the callback: Tencent's exact success answer, and the one bundle it queued. */
async function accepted(request: Request): Promise<EventsMessage> {
  const { response, calls } = await callWorker(request);
  expect(response.status).toBe(200);
  expect(await response.text()).toBe("successfully received callback");
  expect(calls).toHaveLength(1);
  const [bundle] = calls[0] ?? [];
  expect(bundle?.kind).toBe("events");
  return bundle as EventsMessage;
}

/** Splits a bundle as Queues runs it, each continuation in a batch of its own: the event messages, in order. */
async function splitWhole(bundle: EventsMessage): Promise<EventMessage[]> {
  const messages: EventMessage[] = [];
  let next: QueueMessage | undefined = bundle;
  while (next !== undefined) {
    const run = await consume(EVENTS, [next]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    expectWithinQueueLimits(run.eventCalls);
    const bodies = run.events.map(({ body }) => body);
    messages.push(...bodies.filter((body): body is EventMessage => body.kind === "event"));
    const rest = bodies.filter((body) => body.kind === "events");
    expect(rest.length).toBeLessThanOrEqual(1);
    next = rest[0];
  }
  return messages;
}

/** The event the relay makes of item `index` (a bare `0`: no time of its own, so the receipt time). */
function zeroEvent(index: number, receivedAt: number, type: string, providerevent: string): RelayEvent {
  return {
    specversion: "1.0",
    id: `tencent-meeting:${TRACE_ID}:${index}`,
    source: "/webhooks/tencent-meeting",
    type,
    time: isoFromMs(receivedAt),
    datacontenttype: "application/json",
    provider: "tencent-meeting",
    providerevent,
    data: { raw: 0 },
  };
}

const outbound = acceptEveryDelivery();

/** Fans these event messages out to the one target: the bodies it received, by webhook id. */
async function fanOut(messages: EventMessage[]): Promise<Map<string | null, string>> {
  outbound.requests.length = 0;
  const run = await consume(EVENTS, messages);
  expect(run.acked).toHaveLength(messages.length);
  expect(run.retried).toEqual([]);
  return new Map(outbound.requests.map((request) => [request.headers.get("webhook-id"), request.body]));
}

describe("a signed callback whose events outgrow one KV value", () => {
  it("90,000 items of 0 (about 38 MB of events) are accepted, and every event is split out and fans out", async () => {
    const items = 90_000;
    const bundle = await accepted(await signedCallback("meeting.created", items));
    expect(bundle.count).toBe(items);
    // What ingest wrote to KV for it is bounded by the body, not by what the events would weigh.
    expect(bundle.callback).toMatch(/^spill:[0-9a-f]{64}$/);
    const stored = await env.RELAY_STATE.get(bundle.callback ?? "");
    expect(new TextEncoder().encode(stored ?? "").byteLength).toBeLessThan(MAX_BODY_BYTES);

    await useTargets([{ id: "sink", url: "https://sink.example.com/in" }]);
    const messages = await splitWhole(bundle);
    expect(messages.map((message) => message.event.id)).toEqual(
      Array.from({ length: items }, (_, i) => `tencent-meeting:${TRACE_ID}:${i}`),
    );
    expect(messages.every((message) => message.receivedAt === bundle.receivedAt)).toBe(true);

    // The first and the last hundred go through fan-out: each reaches the target whole, as normalized.
    for (const sample of [messages.slice(0, 100), messages.slice(-100)]) {
      const received = await fanOut(sample);
      expect(received.size).toBe(100);
      for (const { event } of sample) {
        const index = Number(event.id.split(":").at(-1));
        const expected = zeroEvent(index, bundle.receivedAt, "meeting.created", "meeting.created");
        expect(received.get(event.id)).toBe(JSON.stringify(expected));
      }
    }
  }, 300_000);

  it("a 150,000-character event name repeated into 5,000 events is cut, and every event is split out and fans out", async () => {
    const items = 5_000;
    const name = `meeting.${"x".repeat(150_000)}`;
    const bundle = await accepted(await signedCallback(name, items));
    expect(bundle.count).toBe(items);

    // The name as every event carries it: its first 183 characters, `…` and 16 hex digits of its SHA-256.
    const cut = `${name.slice(0, 183)}…${(await sha256Hex(name)).slice(0, 16)}`;
    expect(cut).toHaveLength(200);
    await useTargets([{ id: "sink", url: "https://sink.example.com/in" }]);
    const messages = await splitWhole(bundle);
    expect(messages).toHaveLength(items);
    expect(messages.every(({ event }) => event.type === `tencent-meeting/${cut}` && event.providerevent === cut)).toBe(
      true,
    );

    const sample = messages.slice(-100);
    const received = await fanOut(sample);
    for (const { event } of sample) {
      const index = Number(event.id.split(":").at(-1));
      expect(received.get(event.id)).toBe(
        JSON.stringify(zeroEvent(index, bundle.receivedAt, `tencent-meeting/${cut}`, cut)),
      );
    }
  }, 300_000);
});
