import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { listEvents } from "../../src/event-log/queries";
import { readStats } from "../../src/event-log/stats";
import { freshStorage } from "../support/reset";
import { adminCall, resetAll } from "./support";

const NOW = Date.now();

beforeEach(async () => {
  await resetAll();
});

describe("migration 0003 carries a log written in the 0001/0002 shape", () => {
  it("keeps old events listed, with deliveries rebuilt from their attempts, titles and codes filled in", async () => {
    await freshStorage();
    await applyD1Migrations(
      env.RELAY_LOG,
      env.TEST_MIGRATIONS.filter((migration) => migration.name < "0003"),
    );
    const event = JSON.stringify({
      id: "tencent-meeting:old:0",
      data: { meeting: { id: "m1", subject: "Board review", code: "987654321" } },
    });
    await env.RELAY_LOG.batch([
      env.RELAY_LOG.prepare(
        "INSERT INTO events (id, provider, type, subject, source, time, received_at, event) VALUES (?, 'tencent-meeting', 'meeting.started', 'm1', '/webhooks/tencent-meeting', '2026-11-25T08:00:00Z', ?, ?)",
      ).bind("tencent-meeting:old:0", NOW - 1000, event),
      env.RELAY_LOG.prepare(
        `INSERT INTO attempts (event_id, provider, target, attempt, status, error, duration_ms, at, outcome) VALUES
         ('tencent-meeting:old:0', 'tencent-meeting', 'crm', 1, 503, 'HTTP 503', 40, ?1, 'retry'),
         ('tencent-meeting:old:0', 'tencent-meeting', 'crm', 2, 200, NULL, 30, ?1 + 10, 'delivered'),
         ('tencent-meeting:old:0', 'tencent-meeting', 'erp', 1, NULL, 'target is disabled', NULL, ?1, 'dead')`,
      ).bind(NOW - 900),
    ]);
    await applyD1Migrations(env.RELAY_LOG, env.TEST_MIGRATIONS);

    const { body } = await adminCall("GET", "/admin/events?q=board");
    expect(body.items).toEqual([
      expect.objectContaining({
        id: "tencent-meeting:old:0",
        title: "Board review",
        code: "987654321",
        deliveries: [
          {
            target: "crm",
            outcome: "delivered",
            attempts: 2,
            lastStatus: 200,
            lastAttemptAt: new Date(NOW - 890).toISOString(),
          },
          { target: "erp", outcome: "dead", attempts: 0, lastStatus: null, lastAttemptAt: null },
        ],
      }),
    ]);
    expect((await adminCall("GET", "/admin/events?outcome=dead")).body.items).toHaveLength(1);
    const detail = await adminCall("GET", "/admin/events/tencent-meeting:old:0");
    expect((detail.body.attempts as unknown[]).length).toBe(3);
    expect(detail.body.attempts).toContainEqual(expect.objectContaining({ response: null, manual: false }));
  });
});

/** Every statement `read` prepares, with its bound values: run again under EXPLAIN QUERY PLAN. */
async function plansOf(read: () => Promise<unknown>): Promise<string[]> {
  const statements: { sql: string; values: unknown[] }[] = [];
  const prepare = env.RELAY_LOG.prepare.bind(env.RELAY_LOG);
  vi.spyOn(env.RELAY_LOG, "prepare").mockImplementation((sql: string) => {
    const statement = prepare(sql);
    const bind = statement.bind.bind(statement);
    const entry = { sql, values: [] as unknown[] };
    statements.push(entry);
    return Object.assign(Object.create(Object.getPrototypeOf(statement)), statement, {
      bind: (...values: unknown[]) => {
        entry.values = values;
        return bind(...values);
      },
    }) as D1PreparedStatement;
  });
  await read().catch(() => undefined);
  vi.restoreAllMocks();
  const plans: string[] = [];
  for (const { sql, values } of statements) {
    const { results } = await prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...values)
      .all<{ detail: string }>();
    plans.push(results.map((row) => row.detail).join("; "));
  }
  return plans;
}

describe("no list, filter or stats query scans events or attempts", () => {
  const since = NOW - 14 * 86_400_000;
  it.each([
    ["newest first", {}],
    ["page 3", { after: { receivedAt: NOW, id: "x" } }],
    ["provider", { provider: "yunhuni" }],
    ["type", { type: "meeting.ended" }],
    ["type glob", { type: "meeting.*" }],
    ["subject", { subject: "m1" }],
    ["target", { target: "crm" }],
    ["outcome=delivered", { outcome: "delivered" as const }],
    ["outcome=dead", { outcome: "dead" as const }],
    ["target + outcome", { target: "crm", outcome: "retry" as const }],
    ["q", { q: "board" }],
    ["since/until", { until: NOW - 86_400_000 }],
  ])("list: %s", async (_name, filter) => {
    const plans = await plansOf(() => listEvents(env.RELAY_LOG, { since, limit: 50, ...filter }));
    expect(plans).toHaveLength(1);
    for (const plan of plans) {
      expect(plan).not.toMatch(/SCAN (events|attempts)\b(?! USING COVERING INDEX)/);
      expect(plan).toMatch(/SEARCH events USING (COVERING )?INDEX events_(by_received|unsettled)/);
    }
  });

  it("stats", async () => {
    const plans = await plansOf(() => readStats(env.RELAY_LOG, ["yunhuni"], since, NOW));
    expect(plans.length).toBeGreaterThan(3);
    for (const plan of plans) expect(plan).not.toMatch(/SCAN (events|attempts)\b/);
    expect(plans.filter((plan) => /SEARCH events USING COVERING INDEX events_by_received/.test(plan))).toHaveLength(3);
  });
});
