import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import { deadLetterId, listDeadLetters } from "../../src/delivery/dead-letters/store";
import type { DeliveryMessage, QueueMessage } from "../../src/queue/messages";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { loggedLines } from "../support/log";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";

/**
 * The relay writes every queue message itself, but a queue also takes what an operator or another
 * program sends it. One message the consumers cannot read is logged and acknowledged on its own: the
 * good messages of its batch are delivered, the event log is written, and nothing is retried for it.
 */

const EVENTS = "meeting-relay-events";
const DELIVERIES = "meeting-relay-deliveries";
const DLQ = "meeting-relay-dlq";
const CRM: Target = { id: "crm", url: "https://crm.example.com/in" };

/** Messages no consumer can act on, each with the reason its log line gives. */
const UNREADABLE: [string, unknown][] = [
  ["a message without its event", { kind: "event", receivedAt: 1 }],
  ["a message without its event", { kind: "event", event: "e1", receivedAt: 1 }],
  ["an event without a text id", { kind: "event", event: sampleEvent(undefined, { id: 7 as never }) }],
  ["an event without a text time", { kind: "event", event: sampleEvent("e-no-time", { time: undefined as never }) }],
  ["an event without its data", { kind: "event", event: sampleEvent("e-no-data", { data: null as never }) }],
  ["an event id longer than 505 bytes", { kind: "event", event: sampleEvent(`x:${"é".repeat(252)}`) }],
  ["a message without its event", { kind: "delivery", target: "crm", attemptsBefore: 1, firstAttemptAt: 1 }],
  ["a delivery without its target", { kind: "delivery", event: sampleEvent("e-no-target"), attemptsBefore: 1 }],
  ["a bundle without its events", { kind: "events", count: 2, receivedAt: 1 }],
  ["not a meeting-relay message", { kind: "event-v2", event: sampleEvent("e-v2") }],
  ["not a meeting-relay message", null],
];

let answer: (request: Request) => Response;
let outbound: ReturnType<typeof mockFetch>;

beforeEach(async () => {
  await reset();
  vi.spyOn(Math, "random").mockReturnValue(0);
  answer = () => new Response(null, { status: 204 });
  outbound = mockFetch((request) => answer(request));
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

async function loggedEventIds(): Promise<string[]> {
  const { results } = await env.RELAY_LOG.prepare("SELECT id FROM events ORDER BY id").all<{ id: string }>();
  return results.map((row) => row.id);
}

describe("an unreadable queue message is set aside on its own", () => {
  it("fan-out: the good events of the batch are delivered and logged; each unreadable one is acked with its reason", async () => {
    await useTargets([CRM]);
    const good = (id: string): QueueMessage => ({ kind: "event", event: sampleEvent(id), receivedAt: Date.now() });
    const bodies = [good("good-1"), ...UNREADABLE.map(([, body]) => body as QueueMessage), good("good-2")];
    const { result: run, lines } = await loggedLines(() => consume(EVENTS, bodies));

    expect(run.acked).toEqual(bodies.map((_, i) => `m${i}`).sort());
    expect(run).toMatchObject({ retried: [], deliveries: [], events: [] });
    const sent = outbound.requests.map((request) => (JSON.parse(request.body) as { id: string }).id);
    expect(sent.sort()).toEqual(["good-1", "good-2"]);
    expect(await loggedEventIds()).toEqual(["good-1", "good-2"]);
    const discarded = lines.filter((line) => line.outcome === "discarded");
    expect(discarded.map(({ kind, queue, messageId, reason }) => ({ kind, queue, messageId, reason }))).toEqual(
      UNREADABLE.map(([reason], i) => ({ kind: "queue", queue: EVENTS, messageId: `m${i + 1}`, reason })),
    );
  });

  it("retries: the good delivery of the batch is made; the ones without event or target are acked", async () => {
    await useTargets([CRM]);
    const good: DeliveryMessage = {
      kind: "delivery",
      event: sampleEvent("good"),
      target: "crm",
      attemptsBefore: 1,
      firstAttemptAt: Date.now() - 60_000,
    };
    const bodies = [good, ...UNREADABLE.map(([, body]) => body as QueueMessage)];
    const run = await consume(DELIVERIES, bodies);
    expect(run.acked).toEqual(bodies.map((_, i) => `m${i}`).sort());
    expect(run).toMatchObject({ retried: [], deliveries: [], events: [] });
    expect(outbound.requests.map((request) => request.url)).toEqual([CRM.url]);
  });

  it("dead-letter queue: an unreadable message is logged whole and acked at once, not retried for a minute", async () => {
    await useTargets([CRM]);
    const body = UNREADABLE[6]?.[1] as QueueMessage;
    const { result: run, lines } = await loggedLines(() => consume(DLQ, [body]));
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: "dead-letter",
        outcome: "discarded",
        messageId: "m0",
        reason: "a message without its event",
        message: body,
      }),
    );
    expect((await listDeadLetters(env.RELAY_STATE, { limit: 10 })).items).toEqual([]);
  });
});

describe("a delivery message without the times and counts the relay always writes is still delivered", () => {
  function withoutTimes(overrides: Partial<DeliveryMessage> = {}): DeliveryMessage {
    const {
      firstAttemptAt: _time,
      attemptsBefore: _count,
      ...rest
    } = {
      kind: "delivery" as const,
      event: sampleEvent("untimed"),
      target: "crm",
      attemptsBefore: 0,
      firstAttemptAt: 0,
    };
    return { ...rest, ...overrides } as DeliveryMessage;
  }

  it("a failed attempt is retried on the schedule, timed from the message's own timestamp", async () => {
    await useTargets([CRM]);
    answer = () => new Response(null, { status: 503 });
    const before = Date.now();
    const run = await consume(DELIVERIES, [withoutTimes()]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    expect(run.deliveries).toEqual([
      {
        body: { ...withoutTimes(), attemptsBefore: 1, firstAttemptAt: expect.any(Number) },
        delaySeconds: 10,
      },
    ]);
    const [{ body }] = run.deliveries as unknown as [{ body: DeliveryMessage }];
    const { firstAttemptAt } = body;
    expect(firstAttemptAt).toBeGreaterThanOrEqual(before - 1000);
    expect(firstAttemptAt).toBeLessThanOrEqual(Date.now());
  });

  it("its last attempt becomes a dead letter with a first-attempt time, not a retry every 30 s", async () => {
    await useTargets([CRM]);
    answer = () => new Response(null, { status: 503 });
    const run = await consume(DELIVERIES, [withoutTimes({ attemptsBefore: 11, firstAttemptAt: Number.NaN })]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });
    const [letter] = (await listDeadLetters(env.RELAY_STATE, { limit: 10 })).items;
    expect(letter).toMatchObject({ id: await deadLetterId("crm", "untimed"), attempts: 12, lastStatus: 503 });
    expect(Date.parse(letter?.firstAttemptAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
  });

  it("the dead-letter queue keeps one as a dead letter", async () => {
    await useTargets([CRM]);
    const run = await consume(DLQ, [withoutTimes({ attemptsBefore: 3 })]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    const [letter] = (await listDeadLetters(env.RELAY_STATE, { limit: 10 })).items;
    expect(letter).toMatchObject({ id: await deadLetterId("crm", "untimed"), attempts: 3 });
    expect(Date.parse(letter?.firstAttemptAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
  });
});
