import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { RelayEvent } from "../../src/core/cloud-event";
import type { AttemptRecord } from "../../src/event-log/journal";
import { RefusalCounter } from "../../src/event-log/refusals";
import { adminCall, logRows, resetAll } from "../event-log/support";
import { sampleEvent } from "../support/events";

const HOUR = 3_600_000;
const NOW = Date.now();
const THIS_HOUR = Math.floor(NOW / HOUR) * HOUR;
/** Two hours ago, on the hour, so that the rows fall into known hourly buckets. */
const T = THIS_HOUR - 2 * HOUR;

const tm = (id: string) => sampleEvent(`tencent-meeting:${id}:0`);
const hw = (id: string) =>
  sampleEvent(`huawei-meeting:${id}`, { provider: "huawei-meeting", source: "/webhooks/huawei-meeting" });

function attempt(event: RelayEvent, target: string, at: number, result: Partial<AttemptRecord>): AttemptRecord {
  return { event, target, attempt: 1, status: 200, error: null, durationMs: 100, at, outcome: "delivered", ...result };
}

beforeEach(async () => {
  await resetAll();
});

describe("GET /admin/stats", () => {
  it("answers zeros for every provider and an hourly bucket for each of the last 24 hours when the log is empty", async () => {
    const { response, body } = await adminCall("GET", "/admin/stats");
    expect(response.status).toBe(200);
    const empty = {
      accepted: 0,
      refused: { total: 0, byReason: [] },
      delivered: 0,
      retrying: 0,
      dead: 0,
      paused: 0,
      previousCredential: { total: 0, accounts: {} },
    };
    expect(body.providers).toEqual({
      "tencent-meeting": empty,
      "huawei-meeting": empty,
      yunhuni: empty,
      "tencent-whiteboard": empty,
    });
    expect(body.targets).toEqual({});
    const hours = body.hours as { hour: string }[];
    expect(hours).toHaveLength(25);
    expect(hours.at(-1)).toEqual({
      hour: new Date(THIS_HOUR).toISOString(),
      accepted: 0,
      refused: 0,
      delivered: 0,
      failed: 0,
    });
  });

  it("counts accepted, refused, delivered, retrying and dead per provider; delivered, failed and latency per target; per hour", async () => {
    const [a, b, c, d] = [tm("a"), tm("b"), hw("c"), hw("d")];
    await logRows(
      [
        { event: a, receivedAt: T + 1000 },
        { event: b, receivedAt: T + 2000 },
        { event: c, receivedAt: T + HOUR + 1000 },
        { event: d, receivedAt: T - 30 * HOUR },
      ],
      [
        attempt(a, "crm", T + 1100, { durationMs: 10 }),
        attempt(b, "crm", T + 2100, { status: 503, error: "HTTP 503", outcome: "retry", durationMs: 50 }),
        attempt(b, "crm", T + HOUR + 2100, { durationMs: 30 }),
        attempt(c, "crm", T + HOUR + 1100, { durationMs: 20 }),
        attempt(c, "erp", T + HOUR + 1100, { status: 500, error: "HTTP 500", outcome: "retry" }),
        attempt(a, "erp", T + 1100, { status: null, error: "target is disabled", outcome: "dead", durationMs: null }),
        attempt(d, "crm", T - 30 * HOUR, { durationMs: 999 }),
      ],
    );
    const counter = new RefusalCounter();
    const refuse = (provider: string, status: number, reason: string, at: number) =>
      counter.count({ provider, account: "", status, reason }, at);
    refuse("tencent-meeting", 401, "signature mismatch", T + 5000);
    refuse("tencent-meeting", 401, "signature mismatch", T + HOUR + 5000);
    refuse("tencent-meeting", 400, "body has no data string", T + 5000);
    refuse("yunhuni", 401, "token mismatch", T - 30 * HOUR);
    await counter.flush(env.RELAY_LOG);

    const { body } = await adminCall("GET", "/admin/stats");
    const providers = body.providers as Record<string, unknown>;
    expect(providers["tencent-meeting"]).toEqual({
      accepted: 2,
      refused: {
        total: 3,
        byReason: [
          { status: 401, reason: "signature mismatch", count: 2 },
          { status: 400, reason: "body has no data string", count: 1 },
        ],
      },
      delivered: 2,
      retrying: 0,
      dead: 1,
      paused: 0,
      previousCredential: { total: 0, accounts: {} },
    });
    expect(providers["huawei-meeting"]).toEqual({
      accepted: 1,
      refused: { total: 0, byReason: [] },
      delivered: 1,
      retrying: 1,
      dead: 0,
      paused: 0,
      previousCredential: { total: 0, accounts: {} },
    });
    expect((providers.yunhuni as { refused: unknown }).refused).toEqual({ total: 0, byReason: [] });
    expect(body.targets).toEqual({
      // Health is the target's whatever the window: crm's last success is b's retry (d's is older).
      crm: {
        delivered: 3,
        failed: 1,
        latencyMs: { p50: 20, p95: 30 },
        lastSuccessAt: new Date(T + HOUR + 2100).toISOString(),
        failuresInARow: 0,
      },
      // The disabled delivery made no request: one failure in a row, not two.
      erp: { delivered: 0, failed: 1, latencyMs: null, lastSuccessAt: null, failuresInARow: 1 },
    });
    const hours = (body.hours as { hour: string }[]).slice(-3);
    expect(hours).toEqual([
      // Deliveries count in the hour their event was received: b's retry lands in hour T.
      { hour: new Date(T).toISOString(), accepted: 2, refused: 2, delivered: 2, failed: 1 },
      { hour: new Date(T + HOUR).toISOString(), accepted: 1, refused: 1, delivered: 1, failed: 1 },
      { hour: new Date(THIS_HOUR).toISOString(), accepted: 0, refused: 0, delivered: 0, failed: 0 },
    ]);
  });

  it("lists the top 50 refusal reasons by count, and one other entry summing the rest", async () => {
    // 80 reasons: reason i was refused i times, split over two hours and two accounts.
    const rows = Array.from({ length: 80 }, (_, index) => index + 1).flatMap((n) => [
      [T, "tencent-meeting", "", n % 2 === 0 ? 401 : 400, `reason ${n}`, Math.ceil(n / 2)],
      [T + HOUR, "tencent-meeting", "acme", n % 2 === 0 ? 401 : 400, `reason ${n}`, Math.floor(n / 2)],
    ]);
    const insert = env.RELAY_LOG.prepare(
      "INSERT INTO refusals (hour, provider, account, status, reason, count) VALUES (?, ?, ?, ?, ?, ?)",
    );
    await env.RELAY_LOG.batch(rows.map((row) => insert.bind(...row)));

    const { body } = await adminCall("GET", "/admin/stats");
    const { refused } = (body.providers as Record<string, { refused: { total: number; byReason: unknown[] } }>)[
      "tencent-meeting"
    ] ?? { refused: { total: 0, byReason: [] } };
    expect(refused.total).toBe((80 * 81) / 2);
    expect(refused.byReason).toHaveLength(51);
    expect(refused.byReason.slice(0, 50)).toEqual(
      Array.from({ length: 50 }, (_, index) => 80 - index).map((n) => ({
        status: n % 2 === 0 ? 401 : 400,
        reason: `reason ${n}`,
        count: n,
      })),
    );
    expect(refused.byReason[50]).toEqual({ status: null, reason: "other", count: (30 * 31) / 2 });
  });

  it("reaches back as far as since says", async () => {
    await logRows([{ event: hw("old"), receivedAt: NOW - 30 * HOUR }]);
    const { body } = await adminCall("GET", "/admin/stats?since=2d");
    expect((body.providers as Record<string, { accepted: number }>)["huawei-meeting"]?.accepted).toBe(1);
    expect(body.hours as unknown[]).toHaveLength(49);
    const day = await adminCall("GET", "/admin/stats");
    expect((day.body.providers as Record<string, { accepted: number }>)["huawei-meeting"]?.accepted).toBe(0);
  });

  it("counts nothing past retention that the hourly cron has not deleted yet, as the event list shows none", async () => {
    await logRows([
      { event: hw("kept"), receivedAt: NOW - 47 * HOUR },
      { event: hw("past"), receivedAt: NOW - 49 * HOUR },
    ]);
    const days2 = { EVENT_LOG_RETENTION_DAYS: "2" };
    const { body } = await adminCall("GET", "/admin/stats?since=3d", { env: days2 });
    expect((body.providers as Record<string, { accepted: number }>)["huawei-meeting"]?.accepted).toBe(1);
    const listed = await adminCall("GET", "/admin/events?since=3d", { env: days2 });
    expect((listed.body.items as { id: string }[]).map((item) => item.id)).toEqual(["huawei-meeting:kept"]);
  });

  it.each([
    ["since=tomorrow", "since must be an RFC 3339 time such as 2026-11-25T08:00:00Z, or an age such as 30m, 24h or 7d"],
    ["since=2999-01-01T00:00:00Z", "since must not be in the future"],
    ["since=400d", "since may reach back at most 366 days"],
    ["until=1h", "unknown query parameter until; known: since"],
  ])("answers 400 for ?%s", async (query, error) => {
    const { response, body } = await adminCall("GET", `/admin/stats?${query}`);
    expect(response.status).toBe(400);
    expect(body).toEqual({ error, code: "invalid_query" });
  });
});
