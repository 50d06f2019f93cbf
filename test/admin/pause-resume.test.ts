import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/core/env";
import { storeDeadLetter } from "../../src/delivery/dead-letters/store";
import worker from "../../src/index";
import type { DeliveryMessage, EventMessage, QueueMessage } from "../../src/queue/messages";
import {
  AUDIT,
  adminPost,
  CRM,
  DELIVERIES,
  deadLetters,
  EVENTS,
  event,
  fresh,
  pending,
  usePauseFixture,
} from "../delivery/pause-support";
import { adminCall } from "../event-log/support";
import { sampleEvent } from "../support/events";
import { loggedLines } from "../support/log";
import { aSecondPasses } from "../support/production/kv";
import { PRODUCTION } from "../support/production/limits";
import { takeInvocations } from "../support/production/operations";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";

const { crm, sentTo } = usePauseFixture();

describe("POST /admin/targets/<id>/pause and /resume", () => {
  it("pause answers 202 and stores the pause; the next event is kept for crm", async () => {
    const { response, body } = await adminPost("/crm/pause");
    expect(response.status).toBe(202);
    expect(body).toEqual({ target: "crm", paused: true, since: expect.any(String) });
    expect(await env.RELAY_STATE.get("paused:crm", "json")).toEqual({ since: body.since, by: "operator" });
    await consume(EVENTS, [fresh(1)]);
    expect(sentTo(CRM)).toEqual([]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "paused" })]);
  });

  it("resume unpauses, replays every paused dead letter oldest first with a fresh schedule, and deletes them", async () => {
    await adminPost("/crm/pause");
    const t0 = Date.now() - 60_000;
    // Arrival order 3, 1, 2: the replay follows it, not the ids or the keys.
    await consume(EVENTS, [fresh(3, t0), fresh(1, t0 + 1000), fresh(2, t0 + 2000)]);
    aSecondPasses();
    const { response, body, queued } = await adminPost("/crm/resume");
    expect(response.status).toBe(202);
    expect(body).toEqual({ target: "crm", paused: false, replayed: 3, remaining: false });
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
    await adminPost("/crm/pause");
    const big = sampleEvent("tencent-meeting:big:0", { data: { raw: { attachments: "会".repeat(50_000) } } });
    const smalls = Array.from({ length: 3 }, (_, i) =>
      sampleEvent(`tencent-meeting:mid-${i}:0`, { data: { raw: { notes: "x".repeat(100_000) } } }),
    );
    await consume(
      EVENTS,
      [big, ...smalls].map((e) => ({ kind: "event", event: e, receivedAt: Date.now() }) as EventMessage),
    );
    aSecondPasses();
    const { body, queued } = await adminPost("/crm/resume");
    expect(body).toMatchObject({ replayed: 4 });
    const sent = queued.map((message) => message.body as DeliveryMessage);
    const stub = sent.find((message) => message.event.id === big.id);
    expect(stub?.event.data.spilled).toMatch(/^spill:/);
    expect(await env.RELAY_STATE.get(stub?.event.data.spilled ?? "", "json")).toEqual(big);
    expect(sent.filter((message) => message.event.id !== big.id).map((message) => message.event)).toEqual(smalls);
  });

  it("resume replays a letter once even when its record cannot be deleted", async () => {
    await adminPost("/crm/pause");
    await consume(EVENTS, [fresh(1)]);
    // Dead-letter records cannot be deleted; the pause itself can.
    const remove = env.RELAY_STATE.delete.bind(env.RELAY_STATE);
    vi.spyOn(env.RELAY_STATE, "delete").mockImplementation((key) =>
      key.startsWith("dead:") ? Promise.reject(new Error("KV unavailable")) : remove(key),
    );
    aSecondPasses();
    const { body, queued } = await adminPost("/crm/resume");
    expect(body).toMatchObject({ replayed: 1 });
    expect(queued.map((sent) => (sent.body as DeliveryMessage).event.id)).toEqual([event(1).id]);
  });

  it("resume leaves the target's other dead letters alone", async () => {
    crm.status = 503;
    await consume(DELIVERIES, [pending(9)], { env: { RETRY_SCHEDULE: "1" } });
    await adminPost("/crm/pause");
    await consume(EVENTS, [fresh(1)]);
    aSecondPasses();
    const { body, queued } = await adminPost("/crm/resume");
    expect(body).toMatchObject({ replayed: 1 });
    expect(queued.map((sent) => (sent.body as DeliveryMessage).event.id)).toEqual([event(1).id]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "failed", event: event(9) })]);
  });

  it("after resume the replayed deliveries reach the target once each, and new events flow again", async () => {
    crm.status = 410;
    await consume(EVENTS, [fresh(1)]);
    await consume(EVENTS, [fresh(2)]);
    expect(sentTo(CRM)).toHaveLength(1);
    crm.status = 204;
    aSecondPasses();
    const { queued } = await adminPost("/crm/resume");
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

  it("resume clears the pause of a target no longer in the document and replays what it kept", async () => {
    await adminPost("/crm/pause");
    await consume(EVENTS, [fresh(1)]);
    await useTargets([AUDIT]);
    aSecondPasses();
    const { response, body, queued } = await adminPost("/crm/resume");
    expect(response.status).toBe(202);
    expect(body).toEqual({ target: "crm", paused: false, replayed: 1, remaining: false });
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
    // Replayed to a target that is gone: kept again, as removed, by the retry consumer once the replay's
    // delay has passed. Nothing is lost.
    aSecondPasses();
    await consume(
      DELIVERIES,
      queued.map((sent) => sent.body),
    );
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "removed", event: event(1) })]);
    // Configured again later, it starts unpaused.
    await useTargets([CRM, AUDIT]);
    await consume(EVENTS, [fresh(2)]);
    expect(sentTo(CRM).map((request) => request.headers.get("webhook-id"))).toEqual([event(2).id]);
  });

  it("resume works while the stored targets document is invalid: it needs only the pause and the letters", async () => {
    await adminPost("/crm/pause");
    await consume(EVENTS, [fresh(1)]);
    await useTargets("[{");
    aSecondPasses();
    const { response, body, queued } = await adminPost("/crm/resume");
    expect(response.status).toBe(202);
    expect(body).toEqual({ target: "crm", paused: false, replayed: 1, remaining: false });
    expect(queued.map((sent) => (sent.body as DeliveryMessage).event.id)).toEqual([event(1).id]);
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
  });

  it("resume carries on for an id whose pause is already lifted but whose kept letters are left", async () => {
    await storeDeadLetter(env.RELAY_STATE, {
      target: "gone",
      reason: "paused",
      event: event(1),
      attempts: 0,
      lastStatus: null,
      lastError: "not attempted: the target is paused",
      firstAttemptAt: new Date().toISOString(),
      lastAttemptAt: new Date().toISOString(),
    });
    const { response, body, queued } = await adminPost("/gone/resume");
    expect(response.status).toBe(202);
    expect(body).toEqual({ target: "gone", paused: false, replayed: 1, remaining: false });
    expect(queued.map((sent) => (sent.body as DeliveryMessage).target)).toEqual(["gone"]);
  });

  it("resume answers 409 for an id without pause state while the stored targets document is invalid", async () => {
    await useTargets("[{");
    const { response, body, queued } = await adminPost("/nope/resume");
    expect(response.status).toBe(409);
    expect(body).toEqual({
      error: "the stored targets document is invalid; PUT a valid one first",
      code: "stored_targets_invalid",
    });
    expect(queued).toEqual([]);
  });

  it("resume ends a pause whose record is not one the relay wrote (put by hand), and replays what it kept", async () => {
    await adminPost("/crm/pause");
    await consume(EVENTS, [fresh(1)]);
    await env.RELAY_STATE.put("paused:crm", "{not json");
    aSecondPasses();
    const { response, body, queued } = await adminPost("/crm/resume");
    expect(response.status).toBe(202);
    expect(body).toEqual({ target: "crm", paused: false, replayed: 1, remaining: false });
    expect(queued.map((sent) => (sent.body as DeliveryMessage).event.id)).toEqual([event(1).id]);
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
    expect(await deadLetters()).toEqual([]);
  });

  it("pause still needs a configured target", async () => {
    await useTargets([AUDIT]);
    const { response, body } = await adminPost("/crm/pause");
    expect(response.status).toBe(404);
    expect(body).toEqual({ error: 'no target with id "crm"', code: "unknown_target" });
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
  });

  it.each(["/nope/pause", "/nope/resume"])("%s answers 404 for a target that is not configured", async (path) => {
    const { response, body, queued } = await adminPost(path);
    expect(response.status).toBe(404);
    expect(body).toEqual({ error: 'no target with id "nope"', code: "unknown_target" });
    expect(queued).toEqual([]);
    expect(await env.RELAY_STATE.get("paused:nope")).toBeNull();
  });

  it("answers 409 while the stored targets document is invalid, pausing nothing", async () => {
    await useTargets("[{");
    const { response, body } = await adminPost("/crm/pause");
    expect(response.status).toBe(409);
    expect(body).toEqual({
      error: "the stored targets document is invalid; PUT a valid one first",
      code: "stored_targets_invalid",
    });
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
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

describe("GET /admin/targets/paused", () => {
  const listPaused = async (query = "") => {
    const { response, body } = await adminCall("GET", `/admin/targets/paused${query}`);
    expect(response.status).toBe(200);
    return body;
  };

  it("answers an empty list while nothing is paused", async () => {
    expect(await listPaused()).toEqual({ paused: [], cursor: null });
  });

  it("lists each paused target with since and by: an operator's pause and a 410's, until resumed", async () => {
    const { body: paused } = await adminPost("/crm/pause");
    await env.RELAY_STATE.put("paused:audit", JSON.stringify({ since: "2026-11-25T08:00:00.000Z", by: "gone" }));
    expect(await listPaused()).toEqual({
      paused: [
        { target: "audit", since: "2026-11-25T08:00:00.000Z", by: "gone" },
        { target: "crm", since: paused.since, by: "operator" },
      ],
      cursor: null,
    });
    aSecondPasses();
    await adminPost("/crm/resume");
    expect(await listPaused()).toEqual({
      paused: [{ target: "audit", since: "2026-11-25T08:00:00.000Z", by: "gone" }],
      cursor: null,
    });
  });

  it.each([
    ["not JSON", "{not json"],
    ["JSON of another shape", '{"since": "yesterday", "by": "cron"}'],
  ])(
    "lists a pause whose record is %s (put by hand) as paused, since and by unknown, and logs its key",
    async (_, value) => {
      const { body: paused } = await adminPost("/crm/pause");
      await env.RELAY_STATE.put("paused:audit", value);
      const { result, lines } = await loggedLines(listPaused);
      expect(result).toEqual({
        paused: [
          { target: "audit", since: null, by: null },
          { target: "crm", since: paused.since, by: "operator" },
        ],
        cursor: null,
      });
      expect(lines.filter((line) => line.kind === "pauses")).toEqual([
        { kind: "pauses", outcome: "unreadable", key: "paused:audit" },
      ]);
    },
  );

  it("lists a target the relay paused because it answered 410", async () => {
    crm.status = 410;
    await consume(EVENTS, [fresh(1)]);
    expect(await listPaused()).toEqual({
      paused: [{ target: "crm", since: expect.any(String), by: "gone" }],
      cursor: null,
    });
  });

  it("does not collide with a target whose id is paused: /paused/pause pauses it, /paused lists it", async () => {
    await useTargets([CRM, { id: "paused", url: "https://paused.example.com/in" }]);
    const { response } = await adminPost("/paused/pause");
    expect(response.status).toBe(202);
    expect(await listPaused()).toEqual({
      paused: [{ target: "paused", since: expect.any(String), by: "operator" }],
      cursor: null,
    });
  });

  it("pages 5,000 pauses a thousand at a time, in target order, each page within the request's budget", async () => {
    const ids = Array.from({ length: 5000 }, (_, n) => `t${String(n).padStart(4, "0")}`);
    const pause = JSON.stringify({ since: "2026-11-25T08:00:00.000Z", by: "gone" });
    for (let i = 0; i < ids.length; i += 500)
      await Promise.all(ids.slice(i, i + 500).map((id) => env.RELAY_STATE.put(`paused:${id}`, pause)));
    const listed: unknown[] = [];
    const operations: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "" : `?cursor=${encodeURIComponent(cursor)}`;
      takeInvocations();
      const body = await listPaused(query);
      operations.push(takeInvocations()[0]?.operations ?? Number.NaN);
      listed.push(...(body.paused as unknown[]));
      cursor = body.cursor as string | null;
    } while (cursor !== null && operations.length < 10);
    expect(operations).toHaveLength(5);
    expect(Math.max(...operations)).toBeLessThanOrEqual(PRODUCTION.freeOperations);
    expect(listed).toEqual(ids.map((target) => ({ target, since: "2026-11-25T08:00:00.000Z", by: "gone" })));
  }, 30_000);

  it("takes ?limit= up to 1,000, and refuses a bad limit, a cursor it did not give and unknown parameters", async () => {
    await adminPost("/crm/pause");
    await adminPost("/audit/pause");
    const first = await listPaused("?limit=1");
    expect(first).toEqual({ paused: [expect.objectContaining({ target: "audit" })], cursor: expect.any(String) });
    expect(await listPaused(`?limit=1&cursor=${encodeURIComponent(first.cursor as string)}`)).toEqual({
      paused: [expect.objectContaining({ target: "crm" })],
      cursor: null,
    });
    for (const [query, error] of [
      ["?limit=1001", "limit must be a whole number from 1 to 1000"],
      ["?limit=0", "limit must be a whole number from 1 to 1000"],
      ["?cursor=not-a-cursor", "cursor is not valid: pass back a cursor from a previous page"],
      ["?target=crm", "unknown query parameter target; known: cursor, limit"],
    ]) {
      const { response, body } = await adminCall("GET", `/admin/targets/paused${query}`);
      expect([response.status, body]).toEqual([400, { error, code: "invalid_query" }]);
    }
  });

  it("needs the admin token", async () => {
    await adminPost("/crm/pause");
    const { response, body } = await adminCall("GET", "/admin/targets/paused", { headers: {} });
    expect(response.status).toBe(401);
    expect(body).not.toHaveProperty("paused");
  });
});
