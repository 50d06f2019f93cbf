import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import { deliveryDead } from "../../src/delivery/relay-events/own-events";
import type { DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { adminCall, logRows, resetAll, tableRows } from "../event-log/support";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";

const CRM: Target = { id: "crm", url: "https://crm.example.com/in", types: ["meeting.*"] };
const ERP: Target = { id: "erp", url: "https://erp.example.com/in" };
const OFF: Target = { id: "off", url: "https://off.example.com/in", enabled: false };
const WHITEBOARD: Target = { id: "wb", url: "https://wb.example.com/in", providers: ["tencent-whiteboard"] };
const event = sampleEvent("tencent-meeting:r:0");

let outbound: ReturnType<typeof mockFetch>;

beforeEach(async () => {
  await resetAll();
  outbound = mockFetch(() => new Response(null, { status: 204 }));
  await useTargets([CRM, ERP, OFF, WHITEBOARD]);
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

const redeliver = (id: string, body?: string) =>
  adminCall("POST", `/admin/events/${id}/redeliver`, body === undefined ? {} : { body });
const queuedTargets = (sent: { body: unknown }[]) => sent.map(({ body }) => (body as DeliveryMessage).target);
/** A message's size as Queues counts it: the UTF-8 bytes of its JSON. */
const bytesOf = (body: unknown) => new TextEncoder().encode(JSON.stringify(body)).byteLength;

describe("POST /admin/events/<id>/redeliver", () => {
  it("queues the logged event for every matching enabled target, as a fresh delivery: 202", async () => {
    await logRows([{ event, receivedAt: Date.now() }]);
    const { response, body, deliveries, events } = await redeliver(event.id);
    expect(response.status).toBe(202);
    expect(body).toEqual({ id: event.id, targets: ["crm", "erp"], status: "queued" });
    expect(deliveries.sent.map(({ body }) => ({ ...(body as DeliveryMessage), firstAttemptAt: 0 }))).toEqual([
      // Marked manual: its attempts show as a redelivery in the event log.
      { kind: "delivery", event, target: "crm", attemptsBefore: 0, firstAttemptAt: 0, manual: true },
      { kind: "delivery", event, target: "erp", attemptsBefore: 0, firstAttemptAt: 0, manual: true },
    ]);
    expect(events.sent).toEqual([]);
  });

  it("queues only the named targets", async () => {
    await logRows([{ event, receivedAt: Date.now() }]);
    const { response, body, deliveries } = await redeliver(event.id, JSON.stringify({ targets: ["erp"] }));
    expect(response.status).toBe(202);
    expect(body).toEqual({ id: event.id, targets: ["erp"], status: "queued" });
    expect(queuedTargets(deliveries.sent)).toEqual(["erp"]);
  });

  it("may name a target whose filters do not match the event", async () => {
    await logRows([{ event, receivedAt: Date.now() }]);
    const { response, deliveries } = await redeliver(event.id, JSON.stringify({ targets: ["wb"] }));
    expect(response.status).toBe(202);
    expect(queuedTargets(deliveries.sent)).toEqual(["wb"]);
  });

  it.each([
    [JSON.stringify({ targets: ["nope"] }), 'unknown target "nope"'],
    [JSON.stringify({ targets: ["off"] }), 'target "off" is disabled'],
    [JSON.stringify({ targets: ["CRM"] }), "body.targets.0: must be a target id"],
    [JSON.stringify({ targets: [] }), "body.targets must list 1 to 200 target ids"],
    [
      JSON.stringify({ targets: Array.from({ length: 201 }, () => "crm") }),
      "body.targets must list 1 to 200 target ids",
    ],
    [JSON.stringify({ target: "crm" }), 'body: unknown field "target" (allowed: targets)'],
    ["{", "request body is not valid JSON: line 1, column 2"],
    [JSON.stringify({ targets: "whsec_notAnArrayButASecret" }), "body.targets must be an array of target ids"],
    [JSON.stringify({ targets: [7] }), "body.targets.0: must be a target id"],
    [JSON.stringify(["crm"]), 'body must be {} or {"targets": ["<target id>", …]}'],
  ])("answers 400 for the body %s and queues nothing", async (text, error) => {
    await logRows([{ event, receivedAt: Date.now() }]);
    const { response, body, deliveries } = await redeliver(event.id, text);
    expect(response.status).toBe(400);
    const code = error.startsWith("request body is not valid JSON")
      ? "invalid_json"
      : error.startsWith("unknown target")
        ? "unknown_target"
        : error.endsWith("is disabled")
          ? "target_disabled"
          : "invalid_body";
    expect(body).toEqual({ error, code });
    expect(deliveries.sent).toEqual([]);
  });

  it("never sends a relay event to the target it is about, even when named", async () => {
    const OPS: Target = { id: "ops", url: "https://ops.example.com/in", types: ["relay.*"] };
    await useTargets([CRM, OPS]);
    const dead = deliveryDead({
      event,
      target: "ops",
      deadLetter: "dead:ops.abc",
      attempts: 5,
      lastStatus: 500,
      lastError: "HTTP 500",
      firstAttemptAt: "2026-11-21T10:00:00.000Z",
    });
    await logRows([{ event: dead, receivedAt: Date.now() }]);
    const { response, body, deliveries } = await redeliver(dead.id, JSON.stringify({ targets: ["crm", "ops"] }));
    expect(response.status).toBe(400);
    expect(body).toEqual({
      error:
        'body.targets.1: "ops" is the target this relay event is about; a target never receives relay events about itself',
      code: "invalid_body",
    });
    expect(deliveries.sent).toEqual([]);
  });

  it("answers 413 for a body over 16 KiB, and queues nothing", async () => {
    await logRows([{ event, receivedAt: Date.now() }]);
    const text = JSON.stringify({ targets: Array.from({ length: 300 }, () => "crm".repeat(20)) });
    const { response, body, deliveries } = await redeliver(event.id, text);
    expect(response.status).toBe(413);
    expect(body).toEqual({ error: "request body exceeds 16384 bytes", code: "payload_too_large" });
    expect(deliveries.calls).toEqual([]);
  });

  it("answers 404 for an event not in the log, and queues nothing", async () => {
    const { response, body, deliveries } = await redeliver(event.id);
    expect(response.status).toBe(404);
    expect(body).toEqual({ error: `no event with id "${event.id}" in the event log`, code: "unknown_event" });
    expect(deliveries.sent).toEqual([]);
  });

  it("answers 409 when no enabled target matches, and queues nothing", async () => {
    await useTargets([OFF, WHITEBOARD]);
    await logRows([{ event, receivedAt: Date.now() }]);
    const { response, body, deliveries } = await redeliver(event.id);
    expect(response.status).toBe(409);
    expect(body).toEqual({
      error: 'no enabled target matches type "meeting.started" from provider "tencent-meeting"',
      code: "no_matching_target",
    });
    expect(deliveries.sent).toEqual([]);
  });

  it("answers 503 when the queue refuses the messages", async () => {
    await logRows([{ event, receivedAt: Date.now() }]);
    const { response, body } = await adminCall("POST", `/admin/events/${event.id}/redeliver`, {
      queueFailure: new Error("queue down"),
    });
    expect(response.status).toBe(503);
    expect(body).toEqual({ error: "the redelivery could not be queued; try again", code: "queue_unavailable" });
  });

  it("bypasses dedup: a delivered event reaches the target again, and the new attempt is logged", async () => {
    await useTargets([ERP]);
    const fresh: EventMessage = { kind: "event", event, receivedAt: Date.now() };
    await consume("meeting-relay-events", [fresh]);
    // The platform's retry of the same event is dropped as a duplicate...
    await consume("meeting-relay-events", [fresh]);
    expect(outbound.requests).toHaveLength(1);

    // ...but a redelivery reaches the target again.
    const { deliveries } = await redeliver(event.id);
    const run = await consume(
      "meeting-relay-deliveries",
      deliveries.sent.map(({ body }) => body),
    );
    expect(run.acked).toEqual(["m0"]);
    expect(outbound.requests).toHaveLength(2);
    expect(JSON.parse(outbound.requests[1]?.body ?? "")).toEqual(event);
    expect(outbound.requests[1]?.headers.get("webhook-id")).toBe(event.id);

    // The first delivery lives in the event's row; the redelivery has its own row, marked manual.
    const attempts = await tableRows("attempts");
    expect(
      attempts.map(({ target, attempt, status, outcome, manual }) => ({ target, attempt, status, outcome, manual })),
    ).toEqual([{ target: "erp", attempt: 1, status: 204, outcome: "delivered", manual: 1 }]);
    const rows = await tableRows("events");
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]?.deliveries as string)).toMatchObject({ erp: { o: "delivered", n: 2, f: 0 } });
  });

  it("answers 503 naming the targets queued and those not when the queue fails part way", async () => {
    const many = Array.from({ length: 150 }, (_, i) => `t${String(i).padStart(3, "0")}`);
    await useTargets(many.map((id) => ({ id, url: `https://${id}.example.com/in` })));
    await logRows([{ event, receivedAt: Date.now() }]);
    const { response, body, deliveries } = await adminCall("POST", `/admin/events/${event.id}/redeliver`, {
      queueFailure: (call) => (call === 1 ? new Error("queue down") : undefined),
    });
    expect(response.status).toBe(503);
    expect(body).toEqual({
      error: 'the redelivery was queued for 100 of 150 targets; send the rest again with {"targets": [...notQueued]}',
      code: "queue_unavailable",
      queued: many.slice(0, 100),
      notQueued: many.slice(100),
    });
    expect(queuedTargets(deliveries.sent)).toEqual(many.slice(0, 100));
  });

  it("queues the rest when they are sent again as the answer says", async () => {
    const many = Array.from({ length: 200 }, (_, i) => `t${String(i).padStart(3, "0")}`);
    await useTargets(many.map((id) => ({ id, url: `https://${id}.example.com/in` })));
    await logRows([{ event, receivedAt: Date.now() }]);
    const first = await adminCall("POST", `/admin/events/${event.id}/redeliver`, {
      queueFailure: (call) => (call === 1 ? new Error("queue down") : undefined),
    });
    expect(first.response.status).toBe(503);
    const { notQueued } = first.body as { notQueued: string[] };
    expect(notQueued).toEqual(many.slice(100));

    const rest = await redeliver(event.id, JSON.stringify({ targets: notQueued }));
    expect(rest.body).toEqual({ id: event.id, targets: many.slice(100), status: "queued" });
    expect(rest.response.status).toBe(202);
    expect(queuedTargets(rest.deliveries.sent)).toEqual(many.slice(100));
  });

  it("takes a body naming every target of the largest document (200), more than one sendBatch holds", async () => {
    const many = Array.from({ length: 200 }, (_, i) => `t${String(i).padStart(3, "0")}`);
    await useTargets(many.map((id) => ({ id, url: `https://${id}.example.com/in` })));
    await logRows([{ event, receivedAt: Date.now() }]);
    const { response, body, deliveries } = await redeliver(event.id, JSON.stringify({ targets: many.slice(20) }));
    expect(body).toEqual({ id: event.id, targets: many.slice(20), status: "queued" });
    expect(response.status).toBe(202);
    expect(queuedTargets(deliveries.sent)).toEqual(many.slice(20));
  });

  it("of an event written to KV for it, queues the rest when they are sent again at once", async () => {
    const many = Array.from({ length: 200 }, (_, i) => `t${String(i).padStart(3, "0")}`);
    await useTargets(many.map((id) => ({ id, url: `https://${id}.example.com/in` })));
    // A hundred copies of it would not fit one sendBatch: every message carries its stub, written to KV once.
    const large = sampleEvent("tencent-meeting:large:0", { data: { raw: { notes: "x".repeat(4_000) } } });
    await logRows([{ event: large, receivedAt: Date.now() }]);
    const first = await adminCall("POST", `/admin/events/${large.id}/redeliver`, {
      queueFailure: (call) => (call === 1 ? new Error("queue down") : undefined),
    });
    expect(first.response.status).toBe(503);
    const { notQueued } = first.body as { notQueued: string[] };

    // Within the second: KV takes one write per key per second, and the first call wrote the event's key.
    const rest = await redeliver(large.id, JSON.stringify({ targets: notQueued }));
    expect(rest.body).toEqual({ id: large.id, targets: many.slice(100), status: "queued" });
    expect(rest.response.status).toBe(202);
    const [stub] = first.deliveries.sent.map(({ body }) => (body as DeliveryMessage).event);
    expect(stub?.data).toEqual({ spilled: expect.stringMatching(/^spill:/) });
    for (const { body } of rest.deliveries.sent) expect((body as DeliveryMessage).event).toEqual(stub);

    // Each target receives the whole event.
    const run = await consume(
      "meeting-relay-deliveries",
      rest.deliveries.sent.slice(0, 2).map(({ body }) => body),
    );
    expect(run.acked).toEqual(["m0", "m1"]);
    for (const request of outbound.requests) expect(request.body).toBe(JSON.stringify(large));
  });
});

describe("redelivering an event larger than a queue message", () => {
  const FIVE = ["a", "b", "c", "d", "e"];
  /** About 120 KB as UTF-8 JSON: each copy is near a queue message's limit, five copies far over a batch's. */
  const big = sampleEvent("tencent-meeting:big:0", {
    type: "meeting.ended",
    data: { meeting: { id: "6058890385480921052" }, raw: { notes: "会".repeat(40_000) } },
  });

  beforeEach(async () => {
    await useTargets(FIVE.map((id) => ({ id, url: `https://${id}.example.com/in` })));
  });

  it("to 5 targets: spilled once, every call within Queues' limits, each target receives the whole event", async () => {
    expect(bytesOf(big)).toBeGreaterThan(120_000);
    await logRows([{ event: big, receivedAt: Date.now() }]);
    const { response, body, deliveries } = await redeliver(big.id);
    expect(response.status).toBe(202);
    expect(body).toEqual({ id: big.id, targets: FIVE, status: "queued" });
    expect(deliveries.calls.length).toBeGreaterThan(0);
    for (const call of deliveries.calls) {
      expect(call.length).toBeLessThanOrEqual(100);
      expect(call.reduce((sum, message) => sum + bytesOf(message), 0)).toBeLessThanOrEqual(256_000);
      for (const message of call) expect(bytesOf(message)).toBeLessThanOrEqual(128_000);
    }
    expect(queuedTargets(deliveries.sent)).toEqual(FIVE);
    expect((await env.RELAY_STATE.list({ prefix: "spill:" })).keys).toHaveLength(1);

    const run = await consume(
      "meeting-relay-deliveries",
      deliveries.sent.map(({ body }) => body),
    );
    expect(run.acked).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(outbound.requests.map((request) => new URL(request.url).hostname).sort()).toEqual(
      FIVE.map((id) => `${id}.example.com`),
    );
    for (const request of outbound.requests) expect(request.body).toBe(JSON.stringify(big));
  });

  it("an event logged as a stub is sent as that stub, without writing it again, and delivered whole", async () => {
    const key = "spill:0000000000000000000000000000000000000000000000000000000000000001";
    await env.RELAY_STATE.put(key, JSON.stringify(big));
    const stub = { ...big, data: { spilled: key } } as typeof big;
    await logRows([{ event: stub, receivedAt: Date.now() }]);
    const put = vi.spyOn(env.RELAY_STATE, "put");
    const { response, deliveries } = await redeliver(big.id, JSON.stringify({ targets: ["a"] }));
    expect(response.status).toBe(202);
    expect(put).not.toHaveBeenCalled();
    expect(deliveries.sent.map(({ body }) => (body as DeliveryMessage).event)).toEqual([stub]);
    await consume(
      "meeting-relay-deliveries",
      deliveries.sent.map(({ body }) => body),
    );
    expect(outbound.requests.map((request) => request.body)).toEqual([JSON.stringify(big)]);
  });
});
