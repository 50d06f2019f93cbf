import { reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Target } from "../../src/config/targets";
import { type DeadLetter, listDeadLetters, storeDeadLetter } from "../../src/delivery/dead-letters";
import type { Env } from "../../src/env";
import type { RelayEvent } from "../../src/events";
import worker from "../../src/index";
import type { DeliveryMessage, EventMessage, QueueMessage } from "../../src/queue/messages";
import { TEST_BINDINGS } from "../support/bindings";
import { useTargets } from "../support/targets";
import { consume, fakeQueue, mockFetch, sampleEvent } from "./support";

const EVENTS = "meeting-relay-events";
const DELIVERIES = "meeting-relay-deliveries";
const CRM: Target = { id: "crm", url: "https://crm.example.com/in" };
const AUDIT: Target = { id: "audit", url: "https://audit.example.com/in" };

const event = (n: number): RelayEvent => sampleEvent(`tencent-meeting:seq-${n}:0`);
const fresh = (n: number, receivedAt = Date.now()): EventMessage => ({ kind: "event", event: event(n), receivedAt });
const pending = (n: number, target = "crm"): DeliveryMessage => ({
  kind: "delivery",
  event: event(n),
  target,
  attemptsBefore: 1,
  firstAttemptAt: Date.now(),
});

/** CRM's answer; AUDIT always takes the event. */
let crmStatus: number;
let outbound: ReturnType<typeof mockFetch>;
const sentTo = (target: Target) => outbound.requests.filter((request) => request.url === target.url);

beforeEach(async () => {
  await reset();
  crmStatus = 204;
  outbound = mockFetch((request) => new Response(null, { status: request.url === CRM.url ? crmStatus : 204 }));
  await useTargets([CRM, AUDIT]);
});
afterEach(() => outbound.restore());

async function deadLetters(target = "crm"): Promise<DeadLetter[]> {
  return (await listDeadLetters(env.RELAY_STATE, { target, limit: 100 })).items;
}

async function admin(path: string, overrides: Partial<Record<keyof Env, unknown>> = {}) {
  const deliveries = fakeQueue();
  const request = new Request(`http://relay.test/admin/targets${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` },
  });
  const response = await worker.fetch(
    request,
    { ...env, ...overrides, DELIVERIES_QUEUE: deliveries.queue } as Env,
    {
      waitUntil() {},
      passThroughOnException() {},
    } as unknown as ExecutionContext,
  );
  return { response, body: (await response.json()) as Record<string, unknown>, queued: deliveries.sent };
}

describe("a target that answers 410 Gone", () => {
  it("is paused on a first attempt: the delivery is kept as a paused dead letter, not retried", async () => {
    crmStatus = 410;
    const run = await consume(EVENTS, [fresh(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.deliveries).toEqual([]);
    expect(await deadLetters()).toEqual([
      expect.objectContaining({ reason: "paused", attempts: 1, lastStatus: 410, event: event(1) }),
    ]);
    expect(await env.RELAY_STATE.get("paused:crm", "json")).toEqual({ since: expect.any(String), by: "gone" });
    expect(sentTo(AUDIT)).toHaveLength(1);
  });

  it("is paused on a retry: the pair is kept as a paused dead letter and acknowledged", async () => {
    crmStatus = 410;
    const run = await consume(DELIVERIES, [pending(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.retried).toEqual([]);
    expect(run.deliveries).toEqual([]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "paused", attempts: 2, lastStatus: 410 })]);
    expect(await env.RELAY_STATE.get("paused:crm")).not.toBeNull();
  });

  it("is not paused by any other 4xx", async () => {
    crmStatus = 404;
    const run = await consume(EVENTS, [fresh(1)]);
    expect(run.deliveries.map((sent) => (sent.body as DeliveryMessage).target)).toEqual(["crm"]);
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
    expect(await deadLetters()).toEqual([]);
  });
});

describe("while a target is paused", () => {
  beforeEach(async () => {
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
  });

  it("a new event is not sent to it but kept as a paused dead letter; the other targets get it", async () => {
    const receivedAt = Date.now() - 5_000;
    const run = await consume(EVENTS, [fresh(1, receivedAt)]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.deliveries).toEqual([]);
    expect(sentTo(CRM)).toEqual([]);
    expect(sentTo(AUDIT)).toHaveLength(1);
    expect(await deadLetters()).toEqual([
      expect.objectContaining({
        reason: "paused",
        attempts: 0,
        lastStatus: null,
        event: event(1),
        firstAttemptAt: new Date(receivedAt).toISOString(),
      }),
    ]);
  });

  it("a pending retry is not attempted but kept as a paused dead letter", async () => {
    const run = await consume(DELIVERIES, [pending(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.retried).toEqual([]);
    expect(outbound.requests).toEqual([]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "paused", attempts: 1, event: event(1) })]);
  });

  it("an event the dead-letter queue took is kept as a paused dead letter for it, failed for the others", async () => {
    const run = await consume("meeting-relay-dlq", [fresh(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(outbound.requests).toEqual([]);
    expect(await deadLetters("crm")).toEqual([expect.objectContaining({ reason: "paused", event: event(1) })]);
    expect(await deadLetters("audit")).toEqual([expect.objectContaining({ reason: "failed", event: event(1) })]);
  });

  it("a delivery the dead-letter queue took is kept as a paused dead letter", async () => {
    const run = await consume("meeting-relay-dlq", [pending(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "paused", event: event(1) })]);
  });

  it("reads the pause state once for a whole batch, not once per delivery", async () => {
    const reads: unknown[] = [];
    const state = new Proxy(env.RELAY_STATE, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property !== "get") return typeof value === "function" ? value.bind(target) : value;
        return (key: unknown, ...rest: unknown[]) => {
          const keys = Array.isArray(key) ? key : [key];
          if (keys.some((name) => String(name).startsWith("paused:"))) reads.push(key);
          return (value as (...args: unknown[]) => unknown).call(target, key, ...rest);
        };
      },
    });
    const run = await consume(
      DELIVERIES,
      [1, 2, 3, 4, 5].map((n) => pending(n)),
      { env: { RELAY_STATE: state } },
    );
    expect(run.acked).toHaveLength(5);
    expect(reads).toEqual([["paused:crm", "paused:audit"]]);
  });
});

describe("POST /admin/targets/<id>/pause and /resume", () => {
  it("pause answers 202 and stores the pause; the next event is kept for crm", async () => {
    const { response, body } = await admin("/crm/pause");
    expect(response.status).toBe(202);
    expect(body).toEqual({ target: "crm", paused: true, since: expect.any(String) });
    expect(await env.RELAY_STATE.get("paused:crm", "json")).toEqual({ since: body.since, by: "operator" });
    await consume(EVENTS, [fresh(1)]);
    expect(sentTo(CRM)).toEqual([]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "paused" })]);
  });

  it("resume unpauses, replays every paused dead letter oldest first with a fresh schedule, and deletes them", async () => {
    await admin("/crm/pause");
    const t0 = Date.now() - 60_000;
    // Arrival order 3, 1, 2: the replay follows it, not the ids or the keys.
    await consume(EVENTS, [fresh(3, t0), fresh(1, t0 + 1000), fresh(2, t0 + 2000)]);
    const { response, body, queued } = await admin("/crm/resume");
    expect(response.status).toBe(202);
    expect(body).toEqual({ target: "crm", paused: false, replayed: 3 });
    expect(queued.map((sent) => sent.body)).toEqual(
      [3, 1, 2].map((n) => ({
        kind: "delivery",
        event: event(n),
        target: "crm",
        attemptsBefore: 0,
        firstAttemptAt: expect.any(Number),
      })),
    );
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
    expect(await deadLetters()).toEqual([]);
  });

  it("resume queues a kept event too large for a message as a stub (spilled to KV again), the others whole", async () => {
    await admin("/crm/pause");
    const big = sampleEvent("tencent-meeting:big:0", { data: { raw: { attachments: "会".repeat(50_000) } } });
    const smalls = Array.from({ length: 3 }, (_, i) =>
      sampleEvent(`tencent-meeting:mid-${i}:0`, { data: { raw: { notes: "x".repeat(100_000) } } }),
    );
    await consume(
      EVENTS,
      [big, ...smalls].map((e) => ({ kind: "event", event: e, receivedAt: Date.now() }) as EventMessage),
    );
    const { body, queued } = await admin("/crm/resume");
    expect(body).toMatchObject({ replayed: 4 });
    const sent = queued.map((message) => message.body as DeliveryMessage);
    const stub = sent.find((message) => message.event.id === big.id);
    expect(stub?.event.data).toEqual({ raw: null, spilled: expect.stringMatching(/^spill:/) });
    expect(await env.RELAY_STATE.get(stub?.event.data.spilled ?? "", "json")).toEqual(big);
    expect(sent.filter((message) => message.event.id !== big.id).map((message) => message.event)).toEqual(smalls);
  });

  it("resume also replays what a batch kept while the resume was listing, and each letter once", async () => {
    await admin("/crm/pause");
    await consume(EVENTS, [fresh(1)]);
    let lists = 0;
    // A batch that read the pause just before the resume lifted it keeps event 2 during the first listing.
    const state = new Proxy(env.RELAY_STATE, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property !== "list") return typeof value === "function" ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          const page = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (++lists === 1) {
            await storeDeadLetter(env.RELAY_STATE, {
              target: "crm",
              reason: "paused",
              event: event(2),
              attempts: 0,
              lastStatus: null,
              lastError: "not attempted: the target is paused",
              firstAttemptAt: new Date().toISOString(),
              lastAttemptAt: new Date().toISOString(),
            });
          }
          return page;
        };
      },
    });
    const { body, queued } = await admin("/crm/resume", { RELAY_STATE: state });
    expect(body).toMatchObject({ replayed: 2 });
    expect(queued.map((sent) => (sent.body as DeliveryMessage).event.id)).toEqual([event(1).id, event(2).id]);
    expect(await deadLetters()).toEqual([]);
  });

  it("resume replays a letter once even when its record cannot be deleted", async () => {
    await admin("/crm/pause");
    await consume(EVENTS, [fresh(1)]);
    const state = new Proxy(env.RELAY_STATE, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property === "delete") {
          // Dead-letter records cannot be deleted; the pause itself can.
          return (key: string) =>
            key.startsWith("dead:") ? Promise.reject(new Error("KV unavailable")) : target.delete(key);
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { body, queued } = await admin("/crm/resume", { RELAY_STATE: state });
    expect(body).toMatchObject({ replayed: 1 });
    expect(queued.map((sent) => (sent.body as DeliveryMessage).event.id)).toEqual([event(1).id]);
  });

  it("resume leaves the target's other dead letters alone", async () => {
    crmStatus = 503;
    await consume(DELIVERIES, [pending(9)], { env: { RETRY_SCHEDULE: "1" } });
    await admin("/crm/pause");
    await consume(EVENTS, [fresh(1)]);
    const { body, queued } = await admin("/crm/resume");
    expect(body).toMatchObject({ replayed: 1 });
    expect(queued.map((sent) => (sent.body as DeliveryMessage).event.id)).toEqual([event(1).id]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "failed", event: event(9) })]);
  });

  it("after resume the replayed deliveries reach the target once each, and new events flow again", async () => {
    crmStatus = 410;
    await consume(EVENTS, [fresh(1)]);
    await consume(EVENTS, [fresh(2)]);
    expect(sentTo(CRM)).toHaveLength(1);
    crmStatus = 204;
    const { queued } = await admin("/crm/resume");
    await consume(
      DELIVERIES,
      queued.map((sent) => sent.body as QueueMessage),
    );
    await consume(EVENTS, [fresh(3)]);
    expect(sentTo(CRM).map((request) => request.headers.get("webhook-id"))).toEqual(
      [1, 1, 2, 3].map((n) => event(n).id),
    );
    expect(await deadLetters()).toEqual([]);
  });

  it.each(["/nope/pause", "/nope/resume"])("%s answers 404 for a target that is not configured", async (path) => {
    const { response, body, queued } = await admin(path);
    expect(response.status).toBe(404);
    expect(body).toEqual({ error: 'no target with id "nope"' });
    expect(queued).toEqual([]);
    expect(await env.RELAY_STATE.get("paused:nope")).toBeNull();
  });

  it("needs the admin token", async () => {
    const response = await worker.fetch(
      new Request("http://relay.test/admin/targets/crm/pause", { method: "POST" }),
      env as Env,
      {} as ExecutionContext,
    );
    expect(response.status).toBe(401);
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
  });
});

describe("a target set enabled: false", () => {
  beforeEach(async () => {
    await useTargets([{ ...CRM, enabled: false }, AUDIT]);
  });

  it("receives nothing new, and keeps no dead letter for it", async () => {
    const run = await consume(EVENTS, [fresh(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(sentTo(CRM)).toEqual([]);
    expect(await deadLetters()).toEqual([]);
  });

  it("turns a pending retry into a dead letter with reason disabled, not attempted", async () => {
    const run = await consume(DELIVERIES, [pending(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(outbound.requests).toEqual([]);
    expect(await deadLetters()).toEqual([
      expect.objectContaining({ reason: "disabled", attempts: 1, lastError: "target is disabled", event: event(1) }),
    ]);
  });
});
