import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import { pauseTarget } from "../../src/delivery/pauses";
import type { DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { spillEvent } from "../../src/queue/spill";
import {
  answerBots,
  BOT_SECRETS,
  BOT_URLS,
  type BotKind,
  fakeDingtalk,
  fakeFeishu,
  fakeSlack,
  fakeWecom,
} from "../support/chat-bots";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { takeInvocations } from "../support/production/operations";
import { bodyBytes } from "../support/production/queue";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";

/**
 * The fan-out and retry consumers at the edge of Cloudflare's limits: many targets, large events,
 * full batches. The doubles refuse what production refuses and count each invocation's operations
 * (50 per message of the batch); these tests make the consumers work at those edges.
 */
const EVENTS = "meeting-relay-events";
const DELIVERIES = "meeting-relay-deliveries";
const DLQ = "meeting-relay-dlq";

function targets(count: number, prefix = "t"): Target[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    url: `https://${prefix}${i}.example.com/in`,
  }));
}

function fresh(id: string, raw: unknown = {}): EventMessage {
  return { kind: "event", event: sampleEvent(id, { data: { raw } }), receivedAt: Date.now() };
}

let answer: (request: Request) => Response;
let outbound: ReturnType<typeof mockFetch>;

beforeEach(async () => {
  await reset();
  vi.spyOn(Math, "random").mockReturnValue(0);
  answer = () => new Response(null, { status: 204 });
  outbound = mockFetch((request) => answer(request));
  takeInvocations();
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

/** The one invocation the test ran through the worker's queue handler, with its operations. */
function onlyInvocation() {
  const [invocation, ...others] = takeInvocations();
  expect(others).toEqual([]);
  if (invocation === undefined) throw new Error("no invocation ran");
  return invocation;
}

describe("fan-out at the edge", () => {
  it("delivers one event to 150 matching targets exactly once each, within 50 operations", async () => {
    await useTargets(targets(150));
    const run = await consume(EVENTS, [fresh("tencent-meeting:wide:0")]);
    expect(run.acked).toEqual(["m0"]);
    // Targets past what one message may attempt inline are queued for the retry consumer, not attempted twice.
    const queued = run.deliveries.map(({ body }) => (body as DeliveryMessage).target);
    const attempted = outbound.requests.map((request) => new URL(request.url).hostname.split(".")[0]);
    expect(new Set([...queued, ...attempted]).size).toBe(150);
    expect(queued.length + attempted.length).toBe(150);
    expect(run.deliveries.every(({ body }) => (body as DeliveryMessage).attemptsBefore === 0)).toBe(true);
    expect(onlyInvocation().operations).toBeLessThanOrEqual(50);

    // The retry consumer attempts those, six per batch as wrangler.toml sizes it, within budget too.
    const bodies = run.deliveries.map(({ body }) => body);
    for (let i = 0; i < bodies.length; i += 6) {
      const retry = await consume(DELIVERIES, bodies.slice(i, i + 6));
      expect(retry.retried).toEqual([]);
      expect(onlyInvocation().operations).toBeLessThanOrEqual(50 * 6);
    }
    const delivered = outbound.requests.map((request) => request.url).sort();
    expect(delivered).toEqual(
      targets(150)
        .map((target) => target.url)
        .sort(),
    );
  });

  it("keeps a full batch of 10 events to 5 targets within 50 operations per message", async () => {
    await useTargets(targets(5));
    const messages = Array.from({ length: 10 }, (_, i) => fresh(`tencent-meeting:batch-${i}:0`));
    const run = await consume(EVENTS, messages);
    expect(run.acked).toHaveLength(10);
    // Each pair once: attempted inline, or (past what one message attempts itself) queued for the retry consumer.
    expect(outbound.requests.length + run.deliveries.length).toBe(50);
    expect(onlyInvocation().operations).toBeLessThanOrEqual(50 * 10);
  });

  it("queues the retries of a 100 KB event failing at 5 targets in batches Queues accepts", async () => {
    await useTargets(targets(5));
    answer = () => new Response(null, { status: 503 });
    const event = fresh("tencent-meeting:large:0", { notes: "x".repeat(100_000) });
    const run = await consume(EVENTS, [event]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.deliveries.map(({ body }) => (body as DeliveryMessage).target).sort()).toEqual(
      targets(5).map((target) => target.id),
    );
    for (const call of run.deliveryCalls) {
      expect(call.reduce((sum, body) => sum + bodyBytes(body), 0)).toBeLessThanOrEqual(256_000);
    }
  });

  it("reads the pause state of 150 targets in bulk gets of at most 100 keys, and holds every paused one", async () => {
    await useTargets(targets(150));
    for (const target of targets(150).slice(0, 120)) await pauseTarget(env.RELAY_STATE, target.id, "operator");
    const run = await consume(EVENTS, [fresh("tencent-meeting:paused:0")]);
    expect(run.acked).toEqual(["m0"]);
    expect(onlyInvocation().operations).toBeLessThanOrEqual(50);
    // 30 delivered (inline or queued); 120 kept for their resume, by this message or by the retry consumer.
    const queued = run.deliveries.map(({ body }) => body);
    for (let i = 0; i < queued.length; i += 6) await consume(DELIVERIES, queued.slice(i, i + 6));
    const kept = await env.RELAY_STATE.list({ prefix: "dead:" });
    expect(kept.keys).toHaveLength(120);
    expect(outbound.requests).toHaveLength(30);
  });
});

describe("a targets document longer than one message's operations allow", () => {
  it("with 3,000 matching targets stored, an event waits for a valid document within 50 operations: nothing sent, nothing lost", async () => {
    // 3,000 targets are about 150 KB, well within the document's 1 MiB: read in 30 bulk gets and handed on in 30
    // sendBatch calls, one event would cost more than its 50 operations (and a batch of ten past the Paid 1,000).
    await useTargets(targets(3000));
    const run = await consume(EVENTS, [fresh("tencent-meeting:crowd:0")]);
    expect(run.acked).toEqual([]);
    expect(run.retried.map(({ msgId }) => msgId)).toEqual(["m0"]);
    expect(run.deliveries).toEqual([]);
    expect(outbound.requests).toEqual([]);
    expect(onlyInvocation().operations).toBeLessThanOrEqual(50);
  });

  it("with 200 targets, the most a document lists, an event reaches each once within 50 operations", async () => {
    await useTargets(targets(200));
    const run = await consume(EVENTS, [fresh("tencent-meeting:most:0")]);
    expect(run.acked).toEqual(["m0"]);
    const queued = run.deliveries.map(({ body }) => (body as DeliveryMessage).target);
    const attempted = outbound.requests.map((request) => new URL(request.url).hostname.split(".")[0]);
    expect([...queued, ...attempted].sort()).toEqual(
      targets(200)
        .map((target) => target.id)
        .sort(),
    );
    expect(onlyInvocation().operations).toBeLessThanOrEqual(50);
  });
});

describe("fan-out to chat targets that all refuse", () => {
  const KINDS: BotKind[] = ["feishu", "dingtalk", "wecom", "slack"];
  const SECRETS: Partial<Record<BotKind, string>> = BOT_SECRETS;

  /** Chat targets over the four kinds; an ops target takes each `relay.target.paused` they raise. */
  function chatTargets(count: number): Target[] {
    const chats = Array.from({ length: count }, (_, i): Target => {
      const kind = KINDS[i % KINDS.length] as BotKind;
      const secret = SECRETS[kind];
      return { id: `chat${i}`, kind, url: BOT_URLS[kind], ...(secret === undefined ? {} : { secret }) } as Target;
    });
    return [...chats, { id: "ops", url: "https://ops.example.com/in", types: ["relay.*"] }];
  }

  it("pauses each one and keeps each delivery, a message within 50 operations whatever a refusal costs", async () => {
    const bots = [fakeFeishu(BOT_SECRETS.feishu), fakeDingtalk(BOT_SECRETS.dingtalk), fakeWecom(), fakeSlack()];
    for (const bot of bots) bot.mode = "refused";
    outbound.restore();
    outbound = mockFetch(answerBots(...bots));
    const count = 10;
    const ids = Array.from({ length: count }, (_, i) => `chat${i}`);
    await useTargets(chatTargets(count));
    const event = sampleEvent("tencent-meeting:refused:0", {
      type: "meeting.started",
      data: { meeting: { id: "m1", code: "530812452", subject: "周会" }, raw: {} },
    });
    // Spilled at ingest: the fan-out reads it back, and so does each delivery it keeps.
    const stub = await spillEvent(env.RELAY_STATE, event);
    const run = await consume(EVENTS, [{ kind: "event", event: stub, receivedAt: Date.now() }]);
    expect(run.acked).toEqual(["m0"]);
    const invocation = onlyInvocation();
    expect(invocation.operations, invocation.log.join(", ")).toBeLessThanOrEqual(50);

    // What one message did not attempt itself went to the retry consumer, each target once.
    const attempted = bots.reduce((sum, bot) => sum + bot.received.length, 0);
    const queued = run.deliveries.map(({ body }) => body as DeliveryMessage);
    expect(attempted + queued.length).toBe(count);
    expect(new Set(queued.map((message) => message.target)).size).toBe(queued.length);
    for (let i = 0; i < queued.length; i += 6) {
      const retry = await consume(DELIVERIES, queued.slice(i, i + 6));
      expect(retry.retried).toEqual([]);
      expect(onlyInvocation().operations).toBeLessThanOrEqual(50 * 6);
    }
    // Each target was sent the event once, refused it, is paused, and keeps the delivery for its resume.
    expect(bots.reduce((sum, bot) => sum + bot.received.length, 0)).toBe(count);
    for (const id of ids) expect(await env.RELAY_STATE.get(`paused:${id}`)).not.toBeNull();
    const kept = await env.RELAY_STATE.list({ prefix: "dead:" });
    expect(kept.keys.map((key) => key.name.split(".")[0]).sort()).toEqual(ids.map((id) => `dead:${id}`).sort());
  });
});

describe("dead-letter queue at the edge", () => {
  it("keeps an event that never finished its fan-out to 150 targets within 50 operations", async () => {
    await useTargets(targets(150));
    const run = await consume(DLQ, [fresh("tencent-meeting:stuck:0")]);
    expect(run.acked).toEqual(["m0"]);
    expect(onlyInvocation().operations).toBeLessThanOrEqual(50);
    // What one message cannot keep itself goes to the retry consumer, which keeps each pair unattempted.
    const handedOn = run.deliveries.map(({ body }) => body as DeliveryMessage);
    expect(handedOn.every((message) => message.exhausted !== undefined && message.attemptsBefore === 0)).toBe(true);
    for (let i = 0; i < handedOn.length; i += 6) {
      const retry = await consume(DELIVERIES, handedOn.slice(i, i + 6));
      expect(retry.retried).toEqual([]);
      expect(onlyInvocation().operations).toBeLessThanOrEqual(50 * 6);
    }
    // Nothing is lost and nothing is sent: one dead letter per target.
    const kept = await env.RELAY_STATE.list({ prefix: "dead:" });
    expect(kept.keys).toHaveLength(150);
    expect(outbound.requests).toEqual([]);
  });
});
