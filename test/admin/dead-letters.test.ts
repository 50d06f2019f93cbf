import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { DeadLetter } from "../../src/delivery/dead-letters/store";
import worker from "../../src/index";
import type { DeliveryMessage } from "../../src/queue/messages";
import { TEST_BINDINGS } from "../support/bindings";
import { bury } from "../support/dead-letters";
import { sampleEvent } from "../support/events";
import { loggedLines } from "../support/log";
import { takeInvocations } from "../support/production/operations";
import { envWith, recordQueue, type VarOverrides } from "../support/queue";
import { reset } from "../support/reset";
import { post } from "./replay-support";

const AUTH = { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` };

/** Calls the admin API with recording queues, so a replay's message can be inspected (and goes nowhere). */
async function admin(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; env?: VarOverrides; queueFailure?: Error } = {},
) {
  const deliveries = recordQueue(env.DELIVERIES_QUEUE, { failWith: options.queueFailure });
  const events = recordQueue(env.EVENTS_QUEUE);
  try {
    const request = new Request(`http://relay.test/admin/dead-letters${path}`, {
      method,
      headers: options.headers ?? AUTH,
    });
    const response = await worker.fetch(request, envWith(options.env), {} as ExecutionContext);
    return { response, body: (await response.json()) as Record<string, unknown>, deliveries, events };
  } finally {
    deliveries.restore();
    events.restore();
  }
}

beforeEach(async () => {
  await reset();
});

describe("admin auth on /admin/dead-letters", () => {
  it("answers 401 without the bearer token, or with a wrong one", async () => {
    for (const headers of [{}, { authorization: "Bearer wrong-token" }, { authorization: "Basic abc" }]) {
      const { response, body } = await admin("GET", "", { headers });
      expect(response.status).toBe(401);
      expect(body).toEqual({
        error:
          "missing or wrong admin bearer token: send Authorization: Bearer <ADMIN_TOKEN> (set with npx wrangler secret put ADMIN_TOKEN; locally in .dev.vars)",
        code: "unauthorized",
      });
    }
  });

  it("answers 503 when ADMIN_TOKEN is not set", async () => {
    const { response, body } = await admin("GET", "", { env: { ADMIN_TOKEN: undefined } });
    expect(response.status).toBe(503);
    expect(body).toEqual({ error: "the admin API is disabled: ADMIN_TOKEN is not set", code: "admin_disabled" });
  });
});

describe("GET /admin/dead-letters", () => {
  it("lists nothing as an empty page", async () => {
    const { response, body } = await admin("GET", "");
    expect(response.status).toBe(200);
    expect(body).toEqual({ items: [], cursor: null });
  });

  it("lists every field of each dead letter", async () => {
    const letter = await bury("crm", "e1");
    const { body } = await admin("GET", "");
    expect(body).toEqual({
      items: [
        {
          id: letter.id,
          target: "crm",
          reason: "failed",
          event: sampleEvent("e1"),
          attempts: 12,
          lastStatus: 503,
          lastError: "HTTP 503",
          firstAttemptAt: "2026-11-20T10:00:00.000Z",
          lastAttemptAt: "2026-11-21T14:00:00.000Z",
        },
      ],
      cursor: null,
    });
  });

  it("filters by ?target=", async () => {
    await bury("crm", "e1");
    await bury("crm", "e2");
    await bury("crm-eu", "e1");
    await bury("audit", "e3");
    const { body } = await admin("GET", "?target=crm");
    const items = body.items as DeadLetter[];
    expect(items.map((item) => `${item.target}/${item.event.id}`).sort()).toEqual(["crm/e1", "crm/e2"]);
  });

  it("filters by ?reason=, with ?target=, reading only the letters it returns", async () => {
    await bury("crm", "e1");
    await bury("crm", "e2", { reason: "paused" });
    await bury("audit", "e3", { reason: "paused" });
    await bury("crm", "e4", { reason: "removed" });
    // A record stored before keys carried metadata is read, and its missing reason means `failed`.
    const old = await bury("crm", "e5");
    const { reason: _, ...withoutReason } = old;
    await env.RELAY_STATE.put(`dead:${old.id}`, JSON.stringify(withoutReason));
    const ids = async (query: string) => {
      const { response, body } = await admin("GET", query);
      expect(response.status).toBe(200);
      expect(body.cursor).toBeNull();
      return (body.items as DeadLetter[]).map((item) => `${item.target}/${item.event.id}`).sort();
    };
    expect(await ids("?reason=paused")).toEqual(["audit/e3", "crm/e2"]);
    expect(await ids("?reason=paused&target=crm")).toEqual(["crm/e2"]);
    expect(await ids("?reason=failed")).toEqual(["crm/e1", "crm/e5"]);
    expect(await ids("?reason=disabled")).toEqual([]);
    // Letters the filter does not want are never read: this one would not parse.
    const unread = await bury("crm", "e6", { reason: "paused" });
    await env.RELAY_STATE.put(`dead:${unread.id}`, "{not json", { metadata: { reason: "paused" } });
    takeInvocations();
    expect(await ids("?reason=removed")).toEqual(["crm/e4"]);
    // One list; one bulk read (of the wanted letter and the one without metadata).
    expect(takeInvocations().map((invocation) => invocation.log)).toEqual([["kv.list", "kv.get"]]);
  });

  it("lists the rest of a page when one record is not JSON (a value put by hand), and logs its key", async () => {
    await bury("crm", "e1");
    const bad = await bury("crm", "e2");
    await env.RELAY_STATE.put(`dead:${bad.id}`, "{not json");
    const { result, lines } = await loggedLines(() => admin("GET", "?target=crm"));
    expect(result.response.status).toBe(200);
    expect((result.body.items as DeadLetter[]).map((item) => item.event.id)).toEqual(["e1"]);
    expect(lines.filter((line) => line.kind === "dead-letters")).toEqual([
      { kind: "dead-letters", outcome: "unreadable", key: `dead:${bad.id}` },
    ]);
  });

  it("rejects a ?reason= that is not a dead-letter reason with 400, reading nothing", async () => {
    takeInvocations();
    const { response, body } = await admin("GET", "?reason=gone");
    expect(response.status).toBe(400);
    expect(body).toEqual({ error: "reason must be one of failed, paused, disabled, removed", code: "invalid_query" });
    expect(takeInvocations().map((invocation) => invocation.log)).toEqual([[]]);
  });

  it("rejects an unknown query parameter (a typo would list every letter) with 400, reading nothing", async () => {
    await bury("crm", "e1");
    takeInvocations();
    const { response, body } = await admin("GET", "?targt=crm");
    expect(response.status).toBe(400);
    expect(body).toEqual({
      error: "unknown query parameter targt; known: target, reason, cursor, limit",
      code: "invalid_query",
    });
    expect(takeInvocations().map((invocation) => invocation.log)).toEqual([[]]);
  });

  it("pages with ?limit= and ?cursor= until the cursor is null", async () => {
    for (let i = 0; i < 5; i++) await bury("crm", `e${i}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const { response, body } = await admin("GET", query);
      expect(response.status).toBe(200);
      const items = body.items as DeadLetter[];
      expect(items.length).toBeLessThanOrEqual(2);
      seen.push(...items.map((item) => item.event.id));
      cursor = body.cursor as string | null;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(["e0", "e1", "e2", "e3", "e4"]);
  });

  it("reads a page of 100 with one KV list and one bulk read", async () => {
    await Promise.all(Array.from({ length: 100 }, (_, i) => bury("crm", `e${i}`)));
    takeInvocations();
    const { response, body } = await admin("GET", "?limit=100");
    expect(response.status).toBe(200);
    expect((body.items as DeadLetter[]).map((item) => item.event.id).sort()).toEqual(
      Array.from({ length: 100 }, (_, i) => `e${i}`).sort(),
    );
    expect(takeInvocations().map((invocation) => invocation.log)).toEqual([["kv.list", "kv.get"]]);
  });

  it.each(["0", "101", "-1", "ten", "2.5", ""])("rejects ?limit=%s with 400", async (limit) => {
    const { response, body } = await admin("GET", `?limit=${limit}`);
    expect(response.status).toBe(400);
    expect(body).toEqual({ error: "limit must be a whole number from 1 to 100", code: "invalid_query" });
  });

  it("rejects a ?target= that cannot be a target id with 400", async () => {
    const { response, body } = await admin("GET", "?target=CRM%20EU");
    expect(response.status).toBe(400);
    expect(body).toEqual({
      error: "target must be a target id (1 to 64 of a-z, 0-9, _ and -) or *",
      code: "invalid_query",
    });
  });
});

describe("POST /admin/dead-letters/<id>/replay", () => {
  it("queues the pair on DELIVERIES_QUEUE with a fresh schedule, answers 202 and removes the record", async () => {
    const letter = await bury("crm", "e1");
    const before = Date.now();
    const { response, body, deliveries, events } = await admin("POST", `/${letter.id}/replay`);
    expect(response.status).toBe(202);
    expect(body).toEqual({ id: letter.id, target: "crm", event: "e1", status: "queued" });
    expect(deliveries.sent).toEqual([
      {
        body: {
          kind: "delivery",
          event: sampleEvent("e1"),
          target: "crm",
          attemptsBefore: 0,
          firstAttemptAt: expect.any(Number),
        },
        // Two seconds on: kept again under this record's key if it comes back, which KV would refuse within a second.
        delaySeconds: 2,
      },
    ]);
    const sent = deliveries.sent[0]?.body;
    expect(sent?.kind === "delivery" && sent.firstAttemptAt).toBeGreaterThanOrEqual(before);
    expect(events.sent).toEqual([]);
    expect((await admin("GET", "")).body).toEqual({ items: [], cursor: null });
  });

  it("sends an all-targets (*) dead letter back through fan-out on EVENTS_QUEUE", async () => {
    const letter = await bury("*", "e1", { attempts: 0, lastStatus: null });
    const { response, deliveries, events } = await admin("POST", `/${letter.id}/replay`);
    expect(response.status).toBe(202);
    expect(deliveries.sent).toEqual([]);
    expect(events.sent).toEqual([
      { body: { kind: "event", event: sampleEvent("e1"), receivedAt: expect.any(Number) }, delaySeconds: undefined },
    ]);
  });

  it("spills a whole event too large for a queue message to KV again, and queues its stub", async () => {
    const big = sampleEvent("e1", { data: { raw: { attachments: "会".repeat(50_000) } } });
    const letter = await bury("crm", "e1", { event: big });
    const { response, deliveries } = await admin("POST", `/${letter.id}/replay`);
    expect(response.status).toBe(202);
    const sent = deliveries.sent[0]?.body as DeliveryMessage;
    expect(sent.event.id).toBe(big.id);
    expect(sent.event.data.spilled).toMatch(/^spill:[0-9a-f]{64}$/);
    expect(JSON.stringify(sent).length).toBeLessThan(2_000);
    expect(await env.RELAY_STATE.get(sent.event.data.spilled ?? "", "json")).toEqual(big);
  });

  it("replays the letters of two targets for one large event one right after the other", async () => {
    const big = sampleEvent("e1", { data: { raw: { attachments: "会".repeat(50_000) } } });
    const crm = await bury("crm", "e1", { event: big });
    const erp = await bury("erp", "e1", { event: big });
    const first = await admin("POST", `/${crm.id}/replay`);
    expect(first.response.status).toBe(202);
    // Within the second: KV takes one write per key per second, and the first replay wrote the event's key.
    const second = await admin("POST", `/${erp.id}/replay`);
    expect(second.body).toEqual({ id: erp.id, target: "erp", event: big.id, status: "queued" });
    expect(second.response.status).toBe(202);
    const [one, two] = [first, second].map((call) => call.deliveries.sent[0]?.body as DeliveryMessage);
    expect(two?.event).toEqual(one?.event);
    expect(await env.RELAY_STATE.get(one?.event.data.spilled ?? "", "json")).toEqual(big);
    expect(await env.RELAY_STATE.get(`dead:${erp.id}`)).toBeNull();
  });

  it("replays one target's letter and, at once, all of another's for the same large event", async () => {
    const big = sampleEvent("e1", { data: { raw: { attachments: "会".repeat(50_000) } } });
    const crm = await bury("crm", "e1", { event: big });
    await bury("erp", "e1", { event: big });
    expect((await admin("POST", `/${crm.id}/replay`)).response.status).toBe(202);
    const all = await post("/admin/dead-letters/replay", JSON.stringify({ target: "erp" }));
    expect(all.body).toEqual({ replayed: 1, remaining: false });
    expect(all.status).toBe(202);
    expect(all.queued.map(({ body }) => (body as DeliveryMessage).target)).toEqual(["erp"]);
  });

  it("answers 503 and keeps the record when the queue is unavailable", async () => {
    const letter = await bury("crm", "e1");
    const { response, body } = await admin("POST", `/${letter.id}/replay`, {
      queueFailure: new Error("queue down"),
    });
    expect(response.status).toBe(503);
    expect(body).toEqual({
      error: "the replay could not be queued; the dead letter is kept, try again",
      code: "queue_unavailable",
    });
    expect(((await admin("GET", "")).body.items as DeadLetter[]).map((item) => item.id)).toEqual([letter.id]);
  });

  it.each([
    ["not JSON", "{not json"],
    ["JSON without its event", '{"target": "crm"}'],
  ])("answers 409 for a record that is %s (a value put by hand), queues nothing and keeps it", async (_, value) => {
    const letter = await bury("crm", "e1");
    await env.RELAY_STATE.put(`dead:${letter.id}`, value);
    const { response, body, deliveries, events } = await admin("POST", `/${letter.id}/replay`);
    expect(response.status).toBe(409);
    expect(body).toEqual({
      error: `dead letter "${letter.id}" is not a record the relay wrote and cannot be replayed; delete it with DELETE /admin/dead-letters/${letter.id}`,
      code: "unreadable_dead_letter",
    });
    expect(deliveries.sent).toEqual([]);
    expect(events.sent).toEqual([]);
    expect(await env.RELAY_STATE.get(`dead:${letter.id}`)).toBe(value);
  });

  it.each(["crm.000000000000000000000000", "not-an-id", "crm.xyz"])("answers 404 for unknown id %s", async (id) => {
    const { response, body, deliveries } = await admin("POST", `/${id}/replay`);
    expect(response.status).toBe(404);
    expect(body).toEqual({ error: `no dead letter with id "${id}"`, code: "unknown_dead_letter" });
    expect(deliveries.sent).toEqual([]);
  });
});

describe("DELETE /admin/dead-letters/<id>", () => {
  it("discards one dead letter and leaves the others", async () => {
    const gone = await bury("crm", "e1");
    const kept = await bury("crm", "e2");
    const { response, body } = await admin("DELETE", `/${gone.id}`);
    expect(response.status).toBe(200);
    expect(body).toEqual({ id: gone.id, status: "deleted" });
    expect(((await admin("GET", "")).body.items as DeadLetter[]).map((item) => item.id)).toEqual([kept.id]);
  });

  it.each([
    ["not JSON", "{not json"],
    ["JSON without its event", "[]"],
  ])("deletes a record that is %s (a value put by hand), and leaves the others", async (_, value) => {
    const bad = await bury("crm", "e1");
    const kept = await bury("crm", "e2");
    await env.RELAY_STATE.put(`dead:${bad.id}`, value);
    const { response, body, deliveries, events } = await admin("DELETE", `/${bad.id}`);
    expect(response.status).toBe(200);
    expect(body).toEqual({ id: bad.id, status: "deleted" });
    expect(deliveries.sent).toEqual([]);
    expect(events.sent).toEqual([]);
    expect(await env.RELAY_STATE.get(`dead:${bad.id}`)).toBeNull();
    expect(((await admin("GET", "")).body.items as DeadLetter[]).map((item) => item.id)).toEqual([kept.id]);
  });

  it("answers 404 for an unknown id, and for one already deleted", async () => {
    const letter = await bury("crm", "e1");
    expect((await admin("DELETE", `/${letter.id}`)).response.status).toBe(200);
    const { response, body } = await admin("DELETE", `/${letter.id}`);
    expect(response.status).toBe(404);
    expect(body).toEqual({ error: `no dead letter with id "${letter.id}"`, code: "unknown_dead_letter" });
  });
});
