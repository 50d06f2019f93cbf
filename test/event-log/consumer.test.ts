import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import type { DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { loggedLines } from "../support/log";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";
import { resetAll, tableRows } from "./support";

const EVENTS = "meeting-relay-events";
const DELIVERIES = "meeting-relay-deliveries";
const UP: Target = { id: "up", url: "https://up.example.com/in" };
const DOWN: Target = { id: "down", url: "https://down.example.com/in" };
const RECEIVED_AT = Date.parse("2026-11-25T08:00:00Z");

const fresh = (id: string): EventMessage => ({ kind: "event", event: sampleEvent(id), receivedAt: RECEIVED_AT });
const retryOf = (id: string, target: string, attemptsBefore: number): DeliveryMessage => ({
  kind: "delivery",
  event: sampleEvent(id),
  target,
  attemptsBefore,
  firstAttemptAt: Date.now(),
});
const attemptFields = (rows: Record<string, unknown>[]) =>
  rows.map(({ event_id, target, attempt, status, error, outcome }) => ({
    event_id,
    target,
    attempt,
    status,
    error,
    outcome,
  }));

let outbound: ReturnType<typeof mockFetch>;

beforeEach(async () => {
  await resetAll();
  vi.spyOn(Math, "random").mockReturnValue(0);
  outbound = mockFetch((request) => new Response(null, { status: request.url.startsWith(DOWN.url) ? 503 : 204 }));
  await useTargets([UP, DOWN]);
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

/** A consumer run without its clock readings, to compare two runs. */
const strip = (run: unknown) => JSON.parse(JSON.stringify(run, (key, value) => (key === "firstAttemptAt" ? 0 : value)));

/** Counts the D1 calls the consumer makes while `run` runs. */
function spyOnLog() {
  return {
    batch: vi.spyOn(env.RELAY_LOG, "batch"),
    prepare: vi.spyOn(env.RELAY_LOG, "prepare"),
    exec: vi.spyOn(env.RELAY_LOG, "exec"),
  };
}

describe("the fan-out consumer writes the event log", () => {
  it("writes each accepted event and each first attempt, all in one D1 batch for the invocation", async () => {
    const d1 = spyOnLog();
    await consume(EVENTS, [fresh("tencent-meeting:a:0"), fresh("tencent-meeting:b:0"), fresh("tencent-meeting:c:0")]);
    expect(d1.batch).toHaveBeenCalledTimes(1);
    expect(d1.exec).not.toHaveBeenCalled();
    // Multi-row inserts: one statement for the events, one for the attempts; one upsert per target's health.
    expect(d1.batch.mock.calls[0]?.[0]).toHaveLength(4);

    const events = await tableRows("events");
    expect(
      events.map(({ id, provider, type, subject, source, time, received_at }) => [
        id,
        provider,
        type,
        subject,
        source,
        time,
        received_at,
      ]),
    ).toEqual(
      ["a", "b", "c"].map((x) => {
        const event = sampleEvent(`tencent-meeting:${x}:0`);
        return [event.id, "tencent-meeting", event.type, event.subject, event.source, event.time, RECEIVED_AT];
      }),
    );
    expect(JSON.parse(events[0]?.event as string)).toEqual(sampleEvent("tencent-meeting:a:0"));
    // A first attempt that succeeded lives in the event's row alone; the failed one has its attempts row.
    for (const row of events) {
      expect(JSON.parse(row.deliveries as string)).toEqual({
        up: { o: "delivered", n: 1, f: 0, s: 204, t: expect.any(Number), ms: expect.any(Number), i: expect.any(Array) },
        down: { o: "retry", n: 1, f: 1, s: 503, t: expect.any(Number), ms: expect.any(Number) },
      });
      expect(row.state).toBe(1 | 2);
    }
    const attempts = await tableRows("attempts");
    expect(
      attemptFields(attempts).sort((x, y) => `${x.event_id}${x.target}`.localeCompare(`${y.event_id}${y.target}`)),
    ).toEqual(
      ["a", "b", "c"].map((x) => ({
        event_id: `tencent-meeting:${x}:0`,
        target: "down",
        attempt: 1,
        status: 503,
        error: "HTTP 503",
        outcome: "retry",
      })),
    );
    for (const row of attempts) expect(row.duration_ms).toEqual(expect.any(Number));
  });

  it("writes a duplicate (in the batch or already seen) no second time", async () => {
    await consume(EVENTS, [fresh("tencent-meeting:a:0"), fresh("tencent-meeting:a:0")]);
    await consume(EVENTS, [fresh("tencent-meeting:a:0")]);
    expect(await tableRows("events")).toHaveLength(1);
    expect(await tableRows("attempts")).toHaveLength(1);
  });

  it("logs an event no target wants, with no attempts", async () => {
    await useTargets([]);
    await consume(EVENTS, [fresh("tencent-meeting:a:0")]);
    expect(await tableRows("events")).toHaveLength(1);
    expect(await tableRows("attempts")).toEqual([]);
  });

  it("writes nothing while the targets document is invalid (the events wait in the queue)", async () => {
    await useTargets("not json");
    const d1 = spyOnLog();
    const run = await consume(EVENTS, [fresh("tencent-meeting:a:0")]);
    expect(run.retried).toHaveLength(1);
    expect(d1.batch).not.toHaveBeenCalled();
  });
});

describe("the deliveries consumer writes the event log", () => {
  it("writes each retry's attempt with its number: retry, then dead when the schedule is used up", async () => {
    const run = await consume(
      DELIVERIES,
      [retryOf("tencent-meeting:a:0", "down", 1), retryOf("tencent-meeting:b:0", "down", 2)],
      {
        env: { RETRY_SCHEDULE: "5,5" },
      },
    );
    expect(run.acked).toEqual(["m0", "m1"]);
    expect(attemptFields(await tableRows("attempts"))).toEqual([
      { event_id: "tencent-meeting:a:0", target: "down", attempt: 2, status: 503, error: "HTTP 503", outcome: "retry" },
      { event_id: "tencent-meeting:b:0", target: "down", attempt: 3, status: 503, error: "HTTP 503", outcome: "dead" },
    ]);
  });

  it("writes a delivery to a disabled target as dead, without a request", async () => {
    await useTargets([{ ...DOWN, enabled: false }]);
    await consume(DELIVERIES, [retryOf("tencent-meeting:a:0", "down", 1)]);
    expect(outbound.requests).toEqual([]);
    const [row] = await tableRows("attempts");
    expect(row).toMatchObject({
      target: "down",
      attempt: 1,
      status: null,
      error: "target is disabled",
      duration_ms: null,
      outcome: "dead",
    });
  });
});

describe("the dead-letter queue's consumer writes the event log", () => {
  it("writes a delivery Queues gave up on as dead, without a request", async () => {
    await consume("meeting-relay-dlq", [retryOf("tencent-meeting:a:0", "down", 4)]);
    expect(outbound.requests).toEqual([]);
    expect(attemptFields(await tableRows("attempts"))).toEqual([
      {
        event_id: "tencent-meeting:a:0",
        target: "down",
        attempt: 4,
        status: null,
        error: "moved to meeting-relay-dlq: the queue's max_retries ran out; the delivery log lines have each attempt",
        outcome: "dead",
      },
    ]);
  });

  it("writes an event whose fan-out never finished, with a dead delivery per matching target", async () => {
    await consume("meeting-relay-dlq", [fresh("tencent-meeting:a:0")]);
    expect((await tableRows("events")).map((row) => row.id)).toEqual(["tencent-meeting:a:0"]);
    expect((await tableRows("attempts")).map((row) => [row.target, row.outcome, row.duration_ms])).toEqual([
      ["up", "dead", null],
      ["down", "dead", null],
    ]);
  });
});

describe("a D1 failure never changes a delivery", () => {
  /** The same batches with a working log and with a log that throws on every call. */
  async function both(run: () => Promise<unknown>) {
    const good = await run();
    const calls = outbound.requests.map((request) => request.url);
    outbound.requests.length = 0;
    await resetAll();
    await useTargets([UP, DOWN]);
    const broken = {
      prepare: vi.spyOn(env.RELAY_LOG, "prepare").mockImplementation(() => {
        throw new Error("D1_ERROR: database unavailable");
      }),
      batch: vi.spyOn(env.RELAY_LOG, "batch").mockRejectedValue(new Error("D1_ERROR: database unavailable")),
    };
    const { result: bad, lines } = await loggedLines(run);
    return { good, bad, calls, badCalls: outbound.requests.map((request) => request.url), lines, broken };
  }

  it("fan-out: the same requests, acks, retries and queued retries when every D1 call throws", async () => {
    const messages = [fresh("tencent-meeting:a:0"), fresh("tencent-meeting:b:0")];
    const { good, bad, calls, badCalls, lines, broken } = await both(() => consume(EVENTS, messages));
    expect(strip(bad)).toEqual(strip(good));
    expect(good).toMatchObject({ acked: ["m0", "m1"], retried: [] });
    expect((good as { deliveries: unknown[] }).deliveries).toHaveLength(2);
    expect(badCalls.sort()).toEqual(calls.sort());
    expect(broken.prepare).toHaveBeenCalled();
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: "event-log",
        outcome: "write-failed",
        reason: "D1_ERROR: database unavailable",
        events: 2,
        attempts: 2,
      }),
    );
  });

  it("fan-out: a D1 batch that rejects (rather than throws at once) changes nothing either", async () => {
    vi.spyOn(env.RELAY_LOG, "batch").mockRejectedValue(new Error("D1_ERROR: overloaded"));
    const { result, lines } = await loggedLines(() => consume(EVENTS, [fresh("tencent-meeting:a:0")]));
    expect(result.acked).toEqual(["m0"]);
    expect(result.deliveries).toHaveLength(1);
    expect(outbound.requests).toHaveLength(2);
    expect(lines).toContainEqual(
      expect.objectContaining({ kind: "event-log", outcome: "write-failed", reason: "D1_ERROR: overloaded" }),
    );
    expect(await tableRows("events")).toEqual([]);
  });

  it("retries: the same attempt, retry and dead letter when every D1 call throws", async () => {
    const messages = [
      retryOf("tencent-meeting:a:0", "down", 1),
      retryOf("tencent-meeting:b:0", "up", 1),
      retryOf("tencent-meeting:c:0", "down", 2),
    ];
    const { good, bad, calls, badCalls } = await both(() =>
      consume(DELIVERIES, messages, { env: { RETRY_SCHEDULE: "5,5" } }),
    );
    expect(strip(bad)).toEqual(strip(good));
    expect(badCalls.sort()).toEqual(calls.sort());
    expect(calls).toHaveLength(3);
  });
});

describe("what a failed attempt's answer said, and manual sends", () => {
  it("keeps the first 1 KiB of a failed answer's body as text, and marks a redelivery's attempts manual", async () => {
    outbound.restore();
    outbound = mockFetch(() => new Response(`{"error":"${"x".repeat(5000)}"}`, { status: 500 }));
    await consume(DELIVERIES, [{ ...retryOf("tencent-meeting:a:0", "down", 0), manual: true }]);
    const [row] = await tableRows("attempts");
    expect(row).toMatchObject({ target: "down", attempt: 1, status: 500, manual: 1 });
    expect(row?.response).toBe(`{"error":"${"x".repeat(1024 - 10)}`);
  });

  it("keeps no answer for a success, and none when the failed answer was empty", async () => {
    outbound.restore();
    outbound = mockFetch((request) => new Response(null, { status: request.url.startsWith(DOWN.url) ? 503 : 204 }));
    await consume(DELIVERIES, [retryOf("tencent-meeting:a:0", "down", 1), retryOf("tencent-meeting:b:0", "up", 1)]);
    const rows = await tableRows("attempts");
    expect(rows.map(({ target, response, manual }) => ({ target, response, manual }))).toEqual([
      { target: "down", response: null, manual: 0 },
      { target: "up", response: null, manual: 0 },
    ]);
  });
});
