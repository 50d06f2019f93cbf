import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { RelayEvent } from "../../src/core/cloud-event";
import type { AttemptRecord } from "../../src/event-log/journal";
import { adminCall, logRows, resetAll } from "../event-log/support";
import { sampleEvent } from "../support/events";

const HOUR = 3_600_000;
const BASE = Math.floor((Date.now() - 2 * HOUR) / 1000) * 1000;
const at = (offset: number) => new Date(BASE + offset).toISOString();

const e1 = sampleEvent("tencent-meeting:a:0", { subject: "S1" });
const e2 = sampleEvent("huawei-meeting:b", {
  provider: "huawei-meeting",
  source: "/webhooks/huawei-meeting",
  type: "participant.joined",
  subject: "S2",
});
const e3 = sampleEvent("yunhuni:c", {
  provider: "yunhuni",
  source: "/webhooks/yunhuni",
  type: "meeting.ended",
  subject: "S1",
});
const e4 = sampleEvent("tencent-whiteboard:d", {
  provider: "tencent-whiteboard",
  source: "/webhooks/tencent-whiteboard",
  type: "whiteboard.transcode.completed",
});
delete e4.subject;
const e5 = sampleEvent("tencent-meeting:e:0", {
  type: "meeting.created",
  subject: "S3",
  data: { meeting: { id: "S3", subject: "Weekly <b>Sync</b>", code: "123 456 789" }, raw: {} },
});

function attempt(
  event: RelayEvent,
  target: string,
  n: number,
  offset: number,
  result: Partial<AttemptRecord>,
): AttemptRecord {
  return {
    event,
    target,
    attempt: n,
    status: 200,
    error: null,
    durationMs: 100,
    at: BASE + offset,
    outcome: "delivered",
    ...result,
  };
}

/** Five events over two targets: delivered, retried then delivered, dead, retrying, never attempted, paused. */
async function logSample(): Promise<void> {
  await logRows(
    [
      { event: e1, receivedAt: BASE + 1000 },
      { event: e2, receivedAt: BASE + 2000 },
      { event: e3, receivedAt: BASE + 3000 },
      { event: e4, receivedAt: BASE + 4000 },
      { event: e5, receivedAt: BASE + 4000 },
    ],
    [
      attempt(e1, "crm", 1, 1100, { durationMs: 120 }),
      attempt(e2, "crm", 1, 2100, { status: 503, error: "HTTP 503", response: '{"error":"busy"}', outcome: "retry" }),
      attempt(e2, "erp", 1, 2100, { status: null, error: "connection refused", outcome: "dead", durationMs: 30 }),
      attempt(e2, "crm", 2, 12_100, { durationMs: 80 }),
      attempt(e3, "erp", 1, 3100, { status: 500, error: "HTTP 500", outcome: "retry" }),
      attempt(e5, "crm", 1, 4100, { status: 410, error: "HTTP 410", outcome: "paused" }),
    ],
  );
}

const ids = (body: Record<string, unknown>) => (body.items as { id: string }[]).map((item) => item.id);

beforeEach(async () => {
  await resetAll();
});

describe("GET /admin/events", () => {
  it("answers 401 without the admin token, 503 without ADMIN_TOKEN", async () => {
    expect((await adminCall("GET", "/admin/events", { headers: {} })).response.status).toBe(401);
    expect((await adminCall("GET", "/admin/events", { env: { ADMIN_TOKEN: undefined } })).response.status).toBe(503);
  });

  it("lists an empty log as an empty page", async () => {
    const { response, body } = await adminCall("GET", "/admin/events");
    expect(response.status).toBe(200);
    expect(body).toEqual({ items: [], cursor: null });
  });

  it("lists events newest first (ties by id), each with its deliveries per target", async () => {
    await logSample();
    const { body } = await adminCall("GET", "/admin/events");
    expect(ids(body)).toEqual([e4.id, e5.id, e3.id, e2.id, e1.id]);
    const items = body.items as Record<string, unknown>[];
    expect(items[3]).toEqual({
      id: e2.id,
      provider: "huawei-meeting",
      type: "participant.joined",
      subject: "S2",
      title: null,
      code: null,
      source: "/webhooks/huawei-meeting",
      time: e2.time,
      receivedAt: at(2000),
      deliveries: [
        { target: "crm", outcome: "delivered", attempts: 2, lastStatus: 200, lastAttemptAt: at(12_100) },
        { target: "erp", outcome: "dead", attempts: 1, lastStatus: null, lastAttemptAt: at(2100) },
      ],
    });
    expect(items[0]).toMatchObject({ id: e4.id, subject: null, title: null, code: null, deliveries: [] });
    expect(items[1]).toMatchObject({ id: e5.id, title: "Weekly <b>Sync</b>", code: "123 456 789" });
    expect(body.cursor).toBeNull();
  });

  it.each([
    ["provider=huawei-meeting", [e2.id]],
    ["type=meeting.ended", [e3.id]],
    ["type=meeting.*", [e5.id, e3.id, e1.id]],
    ["subject=S1", [e3.id, e1.id]],
    ["target=erp", [e3.id, e2.id]],
    ["outcome=delivered", [e2.id, e1.id]],
    ["outcome=retry", [e3.id]],
    ["outcome=dead", [e2.id]],
    ["outcome=paused", [e5.id]],
    ["target=crm&outcome=retry", []],
    ["target=erp&outcome=retry", [e3.id]],
    [`since=${at(3000)}`, [e4.id, e5.id, e3.id]],
    [`until=${at(3000)}`, [e2.id, e1.id]],
    [`since=${at(2000)}&until=${at(3001)}&provider=yunhuni`, [e3.id]],
    ["q=tencent-meeting:e:0", [e5.id]],
    ["q=tencent-meeting:", [e5.id, e1.id]],
    ["q=S1", [e3.id, e1.id]],
    ["q=weekly%20%3Cb%3Esync", [e5.id]],
    ["q=sync", [e5.id]],
    ["q=123456", [e5.id]],
    ["q=123-456-789", [e5.id]],
    ["q=456", []],
    ["q=-", []],
    ["q=%20-%20", []],
    ["q=nothing&provider=tencent-meeting", []],
  ])("filters with ?%s", async (query, expected) => {
    await logSample();
    const { response, body } = await adminCall("GET", `/admin/events?${query}`);
    expect(response.status).toBe(200);
    expect(ids(body)).toEqual(expected);
  });

  it("finds ids, subjects and codes by a prefix with characters outside the BMP (counted as SQLite counts them)", async () => {
    const wide = sampleEvent("tencent-meeting:𝔸𝔹:0", {
      subject: "😀S9",
      data: { meeting: { id: "😀S9", code: "𝟙𝟚 3" }, raw: {} },
    });
    await logRows([{ event: wide, receivedAt: BASE + 1000 }], []);
    for (const q of ["tencent-meeting:𝔸", "tencent-meeting:𝔸𝔹:0", "😀", "😀S9", "𝟙𝟚3", "𝟙"]) {
      const { response, body } = await adminCall("GET", `/admin/events?q=${encodeURIComponent(q)}`);
      expect(response.status).toBe(200);
      expect({ q, ids: ids(body) }).toEqual({ q, ids: [wide.id] });
    }
  });

  it("pages with limit and cursor until the cursor is null, each event once", async () => {
    await logSample();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? "" : `&cursor=${cursor}`;
      const { body } = await adminCall("GET", `/admin/events?limit=2${query}`);
      expect(ids(body).length).toBeLessThanOrEqual(2);
      seen.push(...ids(body));
      cursor = body.cursor as string | null;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([e4.id, e5.id, e3.id, e2.id, e1.id]);
  });

  it("pages past events with long ids", async () => {
    const long = (n: number) => sampleEvent(`tencent-meeting:${String(n).repeat(300)}:0`);
    await logRows([1, 2, 3].map((n) => ({ event: long(n), receivedAt: BASE + n })));
    const first = await adminCall("GET", "/admin/events?limit=2");
    expect(ids(first.body)).toEqual([long(3).id, long(2).id]);
    const second = await adminCall("GET", `/admin/events?limit=2&cursor=${first.body.cursor}`);
    expect(ids(second.body)).toEqual([long(1).id]);
  });

  it("keeps filters across pages", async () => {
    await logSample();
    const first = await adminCall("GET", "/admin/events?subject=S1&limit=1");
    expect(ids(first.body)).toEqual([e3.id]);
    const second = await adminCall("GET", `/admin/events?subject=S1&limit=1&cursor=${first.body.cursor}`);
    expect(ids(second.body)).toEqual([e1.id]);
    expect(second.body.cursor).toBeNull();
  });

  it("accepts an age for since", async () => {
    await logSample();
    await logRows([{ event: sampleEvent("tencent-meeting:old:0"), receivedAt: Date.now() - 5 * HOUR }]);
    const { body } = await adminCall("GET", "/admin/events?since=3h");
    expect(ids(body)).not.toContain("tencent-meeting:old:0");
    expect(ids(body)).toHaveLength(5);
  });

  it("takes a type pattern of exactly 50 bytes, and an exact type longer than that", async () => {
    const long = sampleEvent("tencent-whiteboard:long", { type: `tencent-whiteboard/${"x".repeat(100)}` });
    await logRows([{ event: long, receivedAt: Date.now() }]);
    const glob = await adminCall("GET", `/admin/events?type=${"tencent-whiteboard/".padEnd(49, "x")}*`);
    expect(glob.response.status).toBe(200);
    expect(ids(glob.body)).toEqual([long.id]);
    const exact = await adminCall("GET", `/admin/events?type=${long.type}`);
    expect(ids(exact.body)).toEqual([long.id]);
  });

  it("does not list events past retention", async () => {
    await logRows([{ event: sampleEvent("tencent-meeting:old:0"), receivedAt: Date.now() - 15 * 24 * HOUR }]);
    expect((await adminCall("GET", "/admin/events")).body.items).toEqual([]);
  });

  it.each([
    ["limit=0", "limit must be a whole number from 1 to 100"],
    ["limit=101", "limit must be a whole number from 1 to 100"],
    ["limit=ten", "limit must be a whole number from 1 to 100"],
    ["provider=zoom", "provider must be one of tencent-meeting, huawei-meeting, yunhuni, tencent-whiteboard"],
    ["outcome=failed", "outcome must be one of delivered, retry, dead, paused"],
    ["target=CRM", "target must be a target id (1 to 64 of a-z, 0-9, _ and -)"],
    ["type=meeting%20started", "type must be an event type (letters, digits, . _ / : -), with * matching anything"],
    [
      `type=${"tencent-whiteboard/".padEnd(50, "x")}*`,
      "type with * is at most 50 bytes (the longest GLOB pattern D1 takes); shorten it, say with another *",
    ],
    [
      "since=yesterday",
      "since must be an RFC 3339 time such as 2026-11-25T08:00:00Z, or an age such as 30m, 24h or 7d",
    ],
    [
      "until=2026-13-45T99:00:00Z",
      "until must be an RFC 3339 time such as 2026-11-25T08:00:00Z, or an age such as 30m, 24h or 7d",
    ],
    [
      "since=2026-02-30",
      "since must be an RFC 3339 time such as 2026-11-25T08:00:00Z, or an age such as 30m, 24h or 7d",
    ],
    [
      "until=2026-02-29T08:00:00Z",
      "until must be an RFC 3339 time such as 2026-11-25T08:00:00Z, or an age such as 30m, 24h or 7d",
    ],
    ["since=1h&until=2h", "since must be earlier than until"],
    ["cursor=not-a-cursor", "cursor is not valid: pass back a cursor from a previous page"],
    [
      "provder=yunhuni",
      "unknown query parameter provder; known: provider, type, subject, target, outcome, q, since, until, cursor, limit",
    ],
    ["q=", "q must be 1 to 128 characters (an event id, meeting id, code or title)"],
    [`q=${"x".repeat(129)}`, "q must be 1 to 128 characters (an event id, meeting id, code or title)"],
    ["q=a%00b", "q must be 1 to 128 characters (an event id, meeting id, code or title)"],
  ])("answers 400 for ?%s", async (query, error) => {
    const { response, body } = await adminCall("GET", `/admin/events?${query}`);
    expect(response.status).toBe(400);
    expect(body).toEqual({ error, code: "invalid_query" });
  });
});

describe("GET /admin/events/<id>", () => {
  it("answers at most the latest 1,000 attempts, saying earlier ones were left out", async () => {
    // Redeliveries keep adding rows to one event: the answer is bounded whatever the log holds.
    const rows = Array.from({ length: 1_200 }, (_, i) =>
      attempt(e1, "crm", i + 2, 2000 + i, {
        status: 503,
        error: "HTTP 503",
        response: "x".repeat(1024),
        outcome: "retry",
      }),
    );
    await logRows([{ event: e1, receivedAt: BASE + 1000 }], rows);
    const { response, body } = await adminCall("GET", `/admin/events/${e1.id}`);
    expect(response.status).toBe(200);
    const attempts = body.attempts as { attempt: number }[];
    expect(attempts).toHaveLength(1_000);
    expect(attempts.map((entry) => entry.attempt)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 202));
    expect(body.earlierAttemptsOmitted).toBe(true);
  });

  it("answers the CloudEvent and every attempt, oldest first", async () => {
    await logSample();
    const { response, body } = await adminCall("GET", `/admin/events/${e2.id}`);
    expect(response.status).toBe(200);
    expect(body).toEqual({
      event: e2,
      receivedAt: at(2000),
      attempts: [
        {
          target: "crm",
          attempt: 1,
          status: 503,
          error: "HTTP 503",
          response: '{"error":"busy"}',
          durationMs: 100,
          at: at(2100),
          outcome: "retry",
          manual: false,
        },
        {
          target: "erp",
          attempt: 1,
          status: null,
          error: "connection refused",
          response: null,
          durationMs: 30,
          at: at(2100),
          outcome: "dead",
          manual: false,
        },
        {
          target: "crm",
          attempt: 2,
          status: 200,
          error: null,
          response: null,
          durationMs: 80,
          at: at(12_100),
          outcome: "delivered",
          manual: false,
        },
      ],
    });
  });

  it("answers an event spilled to KV whole: the log keeps its stub, the answer puts it back together", async () => {
    const key = "spill:00000000000000000000000000000000000000000000000000000000000000aa";
    const whole = { ...e1, data: { ...e1.data, raw: { notes: "会".repeat(50_000) } } };
    await env.RELAY_STATE.put(key, JSON.stringify(whole));
    await logRows([{ event: { ...e1, data: { spilled: key } } as RelayEvent, receivedAt: BASE }]);
    const { response, body } = await adminCall("GET", `/admin/events/${e1.id}`);
    expect(response.status).toBe(200);
    expect(body.event).toEqual(whole);
  });

  it("answers the stub when its payload is no longer in KV, rather than nothing", async () => {
    const stub = { ...e1, data: { spilled: "spill:gone" } } as RelayEvent;
    await logRows([{ event: stub, receivedAt: BASE }]);
    const { response, body } = await adminCall("GET", `/admin/events/${e1.id}`);
    expect(response.status).toBe(200);
    expect(body.event).toEqual(stub);
  });

  it("answers 404 for an unknown event", async () => {
    const { response, body } = await adminCall("GET", "/admin/events/tencent-meeting:nope:0");
    expect(response.status).toBe(404);
    expect(body).toEqual({
      error: 'no event with id "tencent-meeting:nope:0" in the event log',
      code: "unknown_event",
    });
  });

  it("answers 404 for an event past retention, even before the cron deleted it", async () => {
    await logRows([{ event: e1, receivedAt: Date.now() - 15 * 24 * HOUR }]);
    expect((await adminCall("GET", `/admin/events/${e1.id}`)).response.status).toBe(404);
    const kept = await adminCall("GET", `/admin/events/${e1.id}`, { env: { EVENT_LOG_RETENTION_DAYS: "30" } });
    expect(kept.response.status).toBe(200);
  });

  it("answers 404 when the log has not been written yet (no rows for the id)", async () => {
    expect((await adminCall("GET", `/admin/events/${e1.id}`)).response.status).toBe(404);
    await logRows([{ event: e1, receivedAt: Date.now() }]);
    expect((await env.RELAY_LOG.prepare("SELECT count(*) AS n FROM events").first("n")) as number).toBe(1);
    expect((await adminCall("GET", `/admin/events/${e1.id}`)).response.status).toBe(200);
  });
});

describe("GET /admin/events/<id>: attempts kept in the event's own row, and manual sends", () => {
  it("shows a first attempt that succeeded at once (no attempts row) and a manual redelivery after it", async () => {
    await logRows([{ event: e1, receivedAt: BASE + 1000 }], [attempt(e1, "crm", 1, 1100, { durationMs: 120 })]);
    expect((await env.RELAY_LOG.prepare("SELECT count(*) AS n FROM attempts").first("n")) as number).toBe(0);
    await logRows(
      [],
      [
        attempt(e1, "crm", 1, 9000, {
          status: 500,
          error: "HTTP 500",
          response: "oops",
          outcome: "retry",
          manual: true,
        }),
      ],
    );
    const { body } = await adminCall("GET", `/admin/events/${e1.id}`);
    expect(body.attempts).toEqual([
      {
        target: "crm",
        attempt: 1,
        status: 200,
        error: null,
        response: null,
        durationMs: 120,
        at: at(1100),
        outcome: "delivered",
        manual: false,
      },
      {
        target: "crm",
        attempt: 1,
        status: 500,
        error: "HTTP 500",
        response: "oops",
        durationMs: 100,
        at: at(9000),
        outcome: "retry",
        manual: true,
      },
    ]);
    const list = await adminCall("GET", "/admin/events");
    expect((list.body.items as Record<string, unknown>[])[0]?.deliveries).toEqual([
      { target: "crm", outcome: "retry", attempts: 2, lastStatus: 500, lastAttemptAt: at(9000) },
    ]);
  });
});
