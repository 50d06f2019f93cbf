import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { Target } from "../../src/config/targets";
import type { RelayEvent } from "../../src/core/cloud-event";
import { targetWants } from "../../src/delivery/match";
import { deliveryDead, targetPaused } from "../../src/delivery/relay-events/own-events";
import type { DeliveryMessage, EventMessage, QueueMessage } from "../../src/queue/messages";
import { aSecondPasses } from "../support/production/kv";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";
import { AUDIT, CRM, DELIVERIES, deadLetters, EVENTS, event, fresh, usePauseFixture } from "./pause-support";

/** The ops channel: names the relay's own events explicitly. */
const OPS: Target = { id: "ops", url: "https://ops.example.com/in", types: ["relay.*"] };
const STAR: Target = { id: "star", url: "https://star.example.com/in", types: ["*"] };

const { crm, sentTo } = usePauseFixture();

beforeEach(async () => {
  await useTargets([CRM, AUDIT, OPS, STAR]);
});

/** The relay events a consumer run queued, in order. */
const ownEvents = (queued: { body: QueueMessage }[]) =>
  queued.flatMap(({ body }) => (body.kind === "event" && body.event.provider === "relay" ? [body.event] : []));

const lastTry = (n: number, target = "crm"): DeliveryMessage => ({
  kind: "delivery",
  event: event(n),
  target,
  attemptsBefore: 11,
  firstAttemptAt: Date.parse("2026-11-21T10:00:00Z"),
});

describe("relay.target.paused", () => {
  it("is raised once when a target answers 410, queued like an event, and reaches only the ops target", async () => {
    crm.status = 410;
    const run = await consume(EVENTS, [fresh(1)]);
    expect(run.acked).toEqual(["m0"]);
    const [paused, ...others] = ownEvents(run.events);
    expect(others).toEqual([]);
    const pause = (await env.RELAY_STATE.get("paused:crm", "json")) as { since: string };
    expect(paused).toEqual({
      specversion: "1.0",
      id: `relay:target.paused:crm:${Date.parse(pause.since)}`,
      source: "/relay",
      type: "relay.target.paused",
      subject: "crm",
      time: pause.since,
      datacontenttype: "application/json",
      provider: "relay",
      providerevent: "relay.target.paused",
      data: {
        target: "crm",
        by: "gone",
        reason: "the target answered 410 Gone",
        since: pause.since,
        event: { id: event(1).id, type: "meeting.started", provider: "tencent-meeting" },
        raw: null,
      },
    });
    expect(run.eventCalls).toHaveLength(1);

    // Through the same pipeline: the ops target gets it; `*` and no `types` do not.
    const second = await consume(EVENTS, [{ kind: "event", event: paused as RelayEvent, receivedAt: Date.now() }]);
    expect(second.acked).toEqual(["m0"]);
    expect(sentTo(OPS).map((request) => JSON.parse(request.body).id)).toEqual([(paused as RelayEvent).id]);
    expect(sentTo(STAR)).toHaveLength(1); // the meeting event of the first run only
    expect(sentTo(AUDIT)).toHaveLength(1);
    expect(ownEvents(second.events)).toEqual([]);
  });

  it("is not raised when no target names it: nothing more is queued", async () => {
    await useTargets([CRM, AUDIT, STAR]);
    crm.status = 410;
    const run = await consume(EVENTS, [fresh(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.events).toEqual([]);
    expect(run.eventCalls).toEqual([]);
  });

  it("is not raised when what paused the target was a relay event: no relay event causes another", async () => {
    await useTargets([{ ...CRM, types: ["relay.*"] }, OPS]);
    crm.status = 410;
    const own = targetPaused("audit", { since: "2026-11-21T10:00:00.000Z", by: "operator" });
    const run = await consume(DELIVERIES, [{ ...lastTry(1), event: own, attemptsBefore: 0 }]);
    expect(run.acked).toEqual(["m0"]);
    expect(await env.RELAY_STATE.get("paused:crm")).not.toBeNull();
    expect(run.events).toEqual([]);
  });
});

describe("relay.delivery.dead", () => {
  it("reports each delivery given up in one sendBatch for the whole consumer batch", async () => {
    crm.status = 500;
    const bodies = [1, 2, 3, 4, 5, 6].map((n) => lastTry(n));
    const run = await consume(DELIVERIES, bodies);
    expect(run.acked).toHaveLength(6);
    expect(await deadLetters()).toHaveLength(6);
    const dead = ownEvents(run.events);
    expect(dead.map((own) => own.type)).toEqual(Array(6).fill("relay.delivery.dead"));
    expect(run.eventCalls).toHaveLength(1);
    const letters = await deadLetters();
    const first = dead.find(
      (own) => ((own.data as unknown as Record<string, unknown>).event as { id: string }).id === event(1).id,
    ) as RelayEvent;
    const letter = letters.find((one) => one.event.id === event(1).id);
    expect(first.data).toEqual({
      target: "crm",
      event: { id: event(1).id, type: "meeting.started", provider: "tencent-meeting", subject: "6058890385480921052" },
      deadLetter: letter?.id,
      attempts: 12,
      lastStatus: 500,
      reason: "HTTP 500",
      firstAttemptAt: "2026-11-21T10:00:00.000Z",
      raw: null,
    });
    expect(first.id).toBe(`relay:delivery.dead:${letter?.id}:${Date.parse("2026-11-21T10:00:00Z")}`);
  });

  it("has the same id when the consumer runs the same message again, so dedup reports it once", async () => {
    crm.status = 500;
    const once = ownEvents((await consume(DELIVERIES, [lastTry(1)])).events);
    aSecondPasses(); // Queues runs the message again after its retry delay
    const again = ownEvents((await consume(DELIVERIES, [lastTry(1)])).events);
    expect(once.map((own) => own.id)).toEqual(again.map((own) => own.id));
    expect(once).toHaveLength(1);
  });

  it("is not raised for a dead relay event: logged and kept, never reported", async () => {
    await useTargets([{ ...CRM, types: ["relay.*"] }, OPS]);
    crm.status = 500;
    const own = deliveryDead({
      event: event(9),
      target: "audit",
      deadLetter: "audit.000000000000000000000000",
      attempts: 12,
      lastStatus: 500,
      lastError: "HTTP 500",
      firstAttemptAt: "2026-11-21T10:00:00.000Z",
    });
    const run = await consume(DELIVERIES, [{ ...lastTry(1), event: own }]);
    expect(run.acked).toEqual(["m0"]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "failed", event: own })]);
    expect(run.events).toEqual([]);
  });

  it("is not raised for a delivery kept while its target is paused", async () => {
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
    const run = await consume(DELIVERIES, [lastTry(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "paused" })]);
    expect(run.events).toEqual([]);
  });

  it("is raised by the dead-letter queue too, for the pairs it gives up", async () => {
    const run = await consume("meeting-relay-dlq", [lastTry(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(
      ownEvents(run.events).map((own) => [own.type, (own.data as unknown as Record<string, unknown>).target]),
    ).toEqual([["relay.delivery.dead", "crm"]]);
  });
});

describe("who receives the relay's own events", () => {
  const paused = targetPaused("crm", { since: "2026-11-21T10:00:00.000Z", by: "operator" });
  it.each<[string, Partial<Target>, boolean]>([
    ["types absent", {}, false],
    ['types ["*"]', { types: ["*"] }, false],
    ['types ["*.paused"]', { types: ["*.paused"] }, false],
    ['types ["relay.*"]', { types: ["relay.*"] }, true],
    ['types ["relay.target.*", "meeting.*"]', { types: ["relay.target.*", "meeting.*"] }, true],
    ['types ["relay.delivery.dead"]', { types: ["relay.delivery.dead"] }, false],
    ['types ["relay.*"], providers ["yunhuni"]', { types: ["relay.*"], providers: ["yunhuni"] }, true],
    ['types ["relay.*"], enabled false', { types: ["relay.*"], enabled: false }, false],
  ])("%s: %s", (_, fields, wanted) => {
    expect(targetWants({ id: "ops", url: "https://ops.example.com/in", ...fields }, paused)).toBe(wanted);
  });

  it("never the target the event is about", () => {
    expect(targetWants({ ...CRM, types: ["relay.*"] }, paused)).toBe(false);
  });

  it("a chat target without types does not get them either", () => {
    const chat: Target = { id: "team", kind: "wecom", url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k" };
    expect(targetWants(chat, paused)).toBe(false);
  });
});

describe("relay.config.invalid", () => {
  const waitingEvents = (n: number): EventMessage[] => Array.from({ length: n }, (_, i) => fresh(i + 1));

  it("is raised once an hour while events wait, and delivered to the last valid document's ops targets", async () => {
    // A valid document is read once: its ops targets are kept.
    await consume(EVENTS, [fresh(100)]);
    expect(await env.RELAY_STATE.get("relay-events:targets", "json")).toEqual([OPS]);
    await useTargets('[{"id": "crm"}]');

    const run = await consume(EVENTS, waitingEvents(3));
    expect(run.retried.map((retry) => retry.msgId)).toEqual(["m0", "m1", "m2"]);
    const [report, ...others] = ownEvents(run.events);
    expect(others).toEqual([]);
    expect(report).toMatchObject({
      type: "relay.config.invalid",
      source: "/relay",
      provider: "relay",
      data: { reason: "$[0].url: url is required", problems: 1, waiting: 3, raw: null },
    });
    expect(report?.id).toMatch(/^relay:config\.invalid:\d{4}-\d\d-\d\dT\d\d$/);

    // Within the hour: no second report.
    const later = await consume(EVENTS, waitingEvents(2));
    expect(later.events).toEqual([]);

    // The report itself does not wait for a valid document.
    const before = sentTo(OPS).length;
    const delivered = await consume(EVENTS, [{ kind: "event", event: report as RelayEvent, receivedAt: Date.now() }]);
    expect(delivered.acked).toEqual(["m0"]);
    expect(
      sentTo(OPS)
        .slice(before)
        .map((request) => JSON.parse(request.body).type),
    ).toEqual(["relay.config.invalid"]);
  });

  it("is queued within a message's 128 KB when the document's first problem quotes a 200 KB value", async () => {
    await consume(EVENTS, [fresh(100)]);
    // Stored by hand (PUT would refuse it): a provider the relay does not know, 200,000 characters long.
    await useTargets(JSON.stringify([{ ...CRM, providers: ["z".repeat(200_000)] }]));

    const run = await consume(EVENTS, waitingEvents(1));
    expect(run.retried.map((retry) => retry.msgId)).toEqual(["m0"]);
    const [report, ...others] = ownEvents(run.events);
    expect(others).toEqual([]);
    const reason = String((report?.data as Record<string, unknown> | undefined)?.reason);
    expect(reason).toMatch(/^\$\[0\]\.providers\[0\]: unknown provider "z{900,}…[0-9a-f]{16}$/);
    expect(reason.length).toBeLessThanOrEqual(1_100);
    expect(report?.data).toMatchObject({ problems: 1, waiting: 1, raw: null });
  });

  it("is not raised when the last valid document named no ops target", async () => {
    await useTargets([CRM, AUDIT]);
    await consume(EVENTS, [fresh(100)]);
    await useTargets('[{"id": "crm"}]');
    const run = await consume(EVENTS, waitingEvents(2));
    expect(run.retried).toHaveLength(2);
    expect(run.events).toEqual([]);
  });
});
