import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { PROVIDER_NAMES } from "../../src/core/cloud-event";
import type { Env } from "../../src/core/env";
import { HOUR_MS, MAX_COUNTER_ROWS } from "../../src/event-log/counter";
import { previousMatches } from "../../src/event-log/credential-matches";
import { refusals } from "../../src/event-log/refusals";
import worker from "../../src/index";
import { takeInvocations } from "../support/production/operations";
import { resetAll } from "./support";

const DAY = 86_400_000;
const NOW = Date.now();
const EVENTS = 200_000;

/** 200,000 events (and as many failed attempts) from 15 to 29 days ago: all past the default 14 days. */
async function seedBacklog(): Promise<void> {
  await env.RELAY_LOG.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${EVENTS - 1})
     INSERT INTO events (id, provider, type, subject, source, time, received_at, event, deliveries, state)
     SELECT 'old-' || i, 'yunhuni', 'meeting.ended', 'm' || i, '/webhooks/yunhuni', '2026-11-01T08:00:00Z',
       ${NOW - 29 * DAY} + i * 6000, '{}', '{"crm":{"o":"delivered","n":1,"f":0}}', 1
     FROM n`,
  ).run();
  await env.RELAY_LOG.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${EVENTS - 1})
     INSERT INTO attempts (event_id, provider, target, attempt, status, error, duration_ms, at, outcome)
     SELECT 'old-' || i, 'yunhuni', 'crm', 1, 503, 'HTTP 503', 40, ${NOW - 29 * DAY} + i * 6000 + 100, 'retry'
     FROM n`,
  ).run();
}

async function runCron(): Promise<void> {
  const ctx = createExecutionContext();
  const controller = createScheduledController({ scheduledTime: new Date(NOW), cron: "17 * * * *" });
  await worker.scheduled(controller, env as Env, ctx);
  await waitOnExecutionContext(ctx);
}

beforeEach(async () => {
  await resetAll();
  await refusals.flush(env.RELAY_LOG, NOW + 3_600_000);
  await previousMatches.flush(env.RELAY_LOG, NOW + 3_600_000);
  await resetAll();
});

describe("one cron run over a backlog of 200,000 events", () => {
  it("stays within the invocation's 50 operations while its isolate holds counts up to their caps", async () => {
    await seedBacklog();
    // The isolate the cron runs in served a refusal flood and callbacks of accounts mid-rotation.
    const hour = NOW - HOUR_MS;
    for (let i = 0; i < 1_000; i++) {
      const provider = PROVIDER_NAMES[i % PROVIDER_NAMES.length] ?? "yunhuni";
      refusals.count({ provider, account: `a${i}`, status: 400 + (i % 30), reason: `r${i}` }, hour + (i % 2) * HOUR_MS);
    }
    for (let i = 0; i < 60; i++) previousMatches.count({ provider: "yunhuni", account: `acct_${i}` }, hour);
    expect(refusals.pending).toBe(MAX_COUNTER_ROWS);
    takeInvocations();
    await runCron();
    const [cron] = takeInvocations().filter((invocation) => invocation.name === "scheduled");
    expect(cron?.operations).toBeLessThanOrEqual(50);
    const left = await env.RELAY_LOG.prepare("SELECT count(*) AS n FROM events").first<number>("n");
    expect(left).toBeLessThan(EVENTS);
  });
});
