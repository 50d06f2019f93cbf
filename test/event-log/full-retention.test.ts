import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { DELETE_CHUNK, MAX_CHUNKS, pruneEventLog } from "../../src/event-log/retention";
import { takeInvocations } from "../support/production/operations";
import { adminCall, resetAll } from "./support";

const EVENTS = 20_000;
const DAY = 86_400_000;
const NOW = Date.now();
/** Event i is received i minutes ago (about 14 days in all); every 200th is dead at erp. */
const received = (i: number) => NOW - 60_000 - i * 60_000;

/** The log at full retention, written in one statement (a recursive CTE), in the current shape. */
async function seed(): Promise<void> {
  await env.RELAY_LOG.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${EVENTS - 1})
     INSERT INTO events (id, provider, type, subject, source, time, received_at, event, title, code, deliveries, state)
     SELECT 'full-' || i, CASE i % 2 WHEN 0 THEN 'tencent-meeting' ELSE 'yunhuni' END,
       CASE i % 4 WHEN 0 THEN 'meeting.started' WHEN 1 THEN 'meeting.ended' ELSE 'meeting.participant-joined' END,
       'm' || (i / 10), '/webhooks/x', '2026-11-25T08:00:00Z', ${NOW} - 60000 - i * 60000, '{}',
       'Weekly sync ' || (i / 10), CAST(100000000 + i / 10 AS TEXT),
       CASE WHEN i % 200 = 7
         THEN json_object('crm', json_object('o', 'delivered', 'n', 1, 'f', 0, 's', 200, 't', ${NOW} - i * 60000, 'ms', 20),
                          'erp', json_object('o', 'dead', 'n', 3, 'f', 3, 's', 503, 't', ${NOW} - i * 60000, 'ms', 40))
         ELSE json_object('crm', json_object('o', 'delivered', 'n', 1, 'f', 0, 's', 200, 't', ${NOW} - i * 60000, 'ms', 20)) END,
       CASE WHEN i % 200 = 7 THEN 5 ELSE 1 END
     FROM n`,
  ).run();
  await env.RELAY_LOG.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 7 UNION ALL SELECT i + 200 FROM n WHERE i + 200 < ${EVENTS})
     INSERT INTO attempts (event_id, provider, target, attempt, status, error, duration_ms, at, outcome)
     SELECT 'full-' || i, 'yunhuni', 'erp', 3, 503, 'HTTP 503', 40, ${NOW} - 60000 - i * 60000 + 100, 'dead'
     FROM n ORDER BY i DESC`,
  ).run();
}

const ids = (body: Record<string, unknown>) => (body.items as { id: string }[]).map((item) => item.id);

beforeAll(async () => {
  await resetAll();
  await seed();
});

describe("the event log at full retention (20,000 events over 14 days)", () => {
  it.each([
    ["", 50, "full-0"],
    ["?provider=yunhuni", 50, "full-1"],
    ["?type=meeting.ended", 50, "full-1"],
    ["?type=meeting.participant-*", 50, "full-2"],
    ["?outcome=dead", 50, "full-7"],
    ["?target=erp&outcome=dead", 50, "full-7"],
    ["?outcome=delivered", 50, "full-0"],
  ])("GET /admin/events%s answers a full page within the request's budget", async (query, count, first) => {
    takeInvocations();
    const { response, body } = await adminCall("GET", `/admin/events${query}`);
    expect(response.status).toBe(200);
    expect(ids(body)).toHaveLength(count);
    expect(ids(body)[0]).toBe(first);
    expect(body.cursor).not.toBeNull();
    for (const invocation of takeInvocations()) expect(invocation.operations).toBeLessThanOrEqual(50);
  });

  it("finds a meeting 10 days back by subject, title or code, following the cursor in bounded pages", async () => {
    const meeting = 1440; // events 14400..14409, about 10 days back
    for (const query of [`subject=m${meeting}`, `q=Weekly%20sync%20${meeting}`, `q=${100_000_000 + meeting}`]) {
      const found: string[] = [];
      let cursor: string | null = null;
      let requests = 0;
      do {
        const page = await adminCall("GET", `/admin/events?${query}&limit=100${cursor ? `&cursor=${cursor}` : ""}`);
        expect(page.response.status).toBe(200);
        found.push(...ids(page.body));
        cursor = page.body.cursor as string | null;
        requests += 1;
      } while (cursor !== null && requests < 10);
      // Newest first: a smaller i was received later.
      expect(found).toEqual(Array.from({ length: 10 }, (_, k) => `full-${meeting * 10 + k}`));
      expect(requests).toBeLessThanOrEqual(2);
    }
  });

  it("answers the overview for 24 hours and 14 days", async () => {
    const day = await adminCall("GET", "/admin/stats");
    const providers = day.body.providers as Record<string, { accepted: number; dead: number }>;
    expect((providers["tencent-meeting"]?.accepted ?? 0) + (providers.yunhuni?.accepted ?? 0)).toBe(1439);
    const fortnight = await adminCall("GET", "/admin/stats?since=15d");
    const all = fortnight.body.providers as Record<string, { accepted: number; dead: number }>;
    expect((all["tencent-meeting"]?.accepted ?? 0) + (all.yunhuni?.accepted ?? 0)).toBe(EVENTS);
    expect(all.yunhuni?.dead).toBe(EVENTS / 200);
  });

  it("retention deletes everything older in bounded chunks, and keeps the rest", async () => {
    const cutoff = received(12_000);
    const days = (NOW - cutoff) / DAY;
    takeInvocations();
    const deleted = await pruneEventLog({ ...env, EVENT_LOG_RETENTION_DAYS: String(Math.ceil(days)) } as never, NOW);
    const keptSince = NOW - Math.ceil(days) * DAY;
    const expectedGone = Array.from({ length: EVENTS }, (_, i) => received(i)).filter((t) => t < keptSince).length;
    expect(deleted.events).toBe(expectedGone);
    expect(expectedGone).toBeLessThanOrEqual(DELETE_CHUNK * MAX_CHUNKS);
    const left = await env.RELAY_LOG.prepare("SELECT count(*) AS n, min(received_at) AS oldest FROM events").first<{
      n: number;
      oldest: number;
    }>();
    expect(left?.n).toBe(EVENTS - expectedGone);
    expect(left?.oldest).toBeGreaterThanOrEqual(keptSince);
    const oldAttempts = await env.RELAY_LOG.prepare("SELECT count(*) AS n FROM attempts WHERE at < ?")
      .bind(keptSince)
      .first<number>("n");
    expect(oldAttempts).toBe(0);
  });
});
