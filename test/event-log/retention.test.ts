import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/core/env";
import { previousMatches } from "../../src/event-log/credential-matches";
import { RefusalCounter } from "../../src/event-log/refusals";
import { CLAIM_KEPT_MS } from "../../src/event-log/replay-claims";
import { MAX_RETENTION_DAYS } from "../../src/event-log/retention";
import worker from "../../src/index";
import { SPILL_TTL_SECONDS } from "../../src/queue/spill";
import { sampleEvent } from "../support/events";
import { loggedLines } from "../support/log";
import { logRows, resetAll, tableRows } from "./support";

const DAY = 86_400_000;
const NOW = Date.now();

/** Runs the Cron Trigger's handler as Cloudflare would. */
async function runCron(vars: Partial<Record<keyof Env, string>> = {}) {
  const ctx = createExecutionContext();
  const controller = createScheduledController({ scheduledTime: new Date(NOW), cron: "17 * * * *" });
  await worker.scheduled(controller, { ...env, ...vars } as Env, ctx);
  await waitOnExecutionContext(ctx);
}

/** One event, attempt, refusal count and previous-credential count at each age (in days). */
async function logAtAges(ages: number[]): Promise<void> {
  const counter = new RefusalCounter(0);
  for (const age of ages) {
    const at = NOW - age * DAY;
    const event = sampleEvent(`tencent-meeting:age-${age}:0`);
    await logRows(
      [{ event, receivedAt: at }],
      // A failed attempt: a delivered first attempt has no row of its own (it lives in the event's row).
      [{ event, target: "crm", attempt: 1, status: 503, error: "HTTP 503", durationMs: 5, at, outcome: "retry" }],
    );
    counter.count({ provider: "yunhuni", account: "", status: 401, reason: `age ${age}` }, at);
    previousMatches.count({ provider: "yunhuni", account: `age ${age}` }, at);
  }
  await counter.flush(env.RELAY_LOG, NOW);
  await previousMatches.flush(env.RELAY_LOG, NOW);
}

const eventIds = async () => (await tableRows("events")).map((row) => row.id);

afterEach(() => vi.restoreAllMocks());

beforeEach(async () => {
  await resetAll();
});

describe("retention: the Cron Trigger's scheduled handler", () => {
  it("deletes events, attempts, refusal and credential counts older than 14 days by default, and keeps the rest", async () => {
    await logAtAges([20, 15, 13, 1]);
    await runCron();
    expect(await eventIds()).toEqual(["tencent-meeting:age-13:0", "tencent-meeting:age-1:0"]);
    expect((await tableRows("attempts")).map((row) => row.event_id)).toEqual([
      "tencent-meeting:age-13:0",
      "tencent-meeting:age-1:0",
    ]);
    expect((await tableRows("refusals")).map((row) => row.reason)).toEqual(["age 13", "age 1"]);
    const { results } = await env.RELAY_LOG.prepare("SELECT account FROM credential_matches ORDER BY hour").all();
    expect(results.map((row) => row.account)).toEqual(["age 13", "age 1"]);
  });

  it("follows EVENT_LOG_RETENTION_DAYS", async () => {
    await logAtAges([3, 1.5, 0.5]);
    await runCron({ EVENT_LOG_RETENTION_DAYS: "1" });
    expect(await eventIds()).toEqual(["tencent-meeting:age-0.5:0"]);
    expect(await tableRows("attempts")).toHaveLength(1);
  });

  it.each(["two weeks", "0", "-3", "1.5"])(
    "keeps the default 14 days, and says why, when EVENT_LOG_RETENTION_DAYS is %j",
    async (value) => {
      await logAtAges([20, 15, 13, 1]);
      const { lines } = await loggedLines(() => runCron({ EVENT_LOG_RETENTION_DAYS: value }));
      expect(await eventIds()).toEqual(["tencent-meeting:age-13:0", "tencent-meeting:age-1:0"]);
      expect(lines).toContainEqual({
        kind: "config-invalid",
        reason: `EVENT_LOG_RETENTION_DAYS must be a whole number of days from 1 to 30, got "${value}"; keeping 14 days`,
      });
      expect(lines).toContainEqual(
        expect.objectContaining({ kind: "event-log", outcome: "pruned", retentionDays: 14 }),
      );
    },
  );

  it("keeps at most 30 days, and says so, when EVENT_LOG_RETENTION_DAYS is more: a row never outlives its spilled payload", async () => {
    expect(MAX_RETENTION_DAYS * 86_400).toBeLessThanOrEqual(SPILL_TTL_SECONDS);
    await logAtAges([45, 31, 29]);
    const { lines } = await loggedLines(() => runCron({ EVENT_LOG_RETENTION_DAYS: "90" }));
    expect(await eventIds()).toEqual(["tencent-meeting:age-29:0"]);
    expect(lines).toContainEqual({
      kind: "config-invalid",
      reason:
        "EVENT_LOG_RETENTION_DAYS is 90, more than 30: keeping 30 days (events too large for a queue message are kept in KV for 30 days, and the log must not outlive them)",
    });
    expect(lines).toContainEqual(expect.objectContaining({ kind: "event-log", outcome: "pruned", retentionDays: 30 }));
  });

  it("logs what it deleted", async () => {
    await logAtAges([20, 1]);
    const { lines } = await loggedLines(() => runCron());
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: "event-log",
        outcome: "pruned",
        retentionDays: 14,
        deleted: { events: 1, attempts: 1, refusals: 1, credential_matches: 1, replay_claims: 0 },
      }),
    );
  });

  it("deletes replays' claims of dead letters an hour after they were made, and keeps the later ones", async () => {
    await env.RELAY_LOG.prepare(
      "INSERT INTO replay_claims (letter, claimed_at, claimant) VALUES (?1, ?2, 'replay:a'), (?3, ?4, 'replay:b')",
    )
      .bind(
        "crm.old@2026-11-21T10:00:00.000Z",
        NOW - CLAIM_KEPT_MS - 60_000,
        "crm.new@2026-11-21T10:00:00.000Z",
        NOW - CLAIM_KEPT_MS + 10 * 60_000,
      )
      .run();
    const { lines } = await loggedLines(() => runCron());
    expect(lines).toContainEqual(
      expect.objectContaining({ outcome: "pruned", deleted: expect.objectContaining({ replay_claims: 1 }) }),
    );
    expect((await tableRows("replay_claims")).map((row) => row.letter)).toEqual(["crm.new@2026-11-21T10:00:00.000Z"]);
  });

  it("a D1 failure is logged, not thrown", async () => {
    vi.spyOn(env.RELAY_LOG, "prepare").mockImplementation(() => {
      throw new Error("D1_ERROR: unavailable");
    });
    vi.spyOn(env.RELAY_LOG, "batch").mockRejectedValue(new Error("D1_ERROR: unavailable"));
    const { lines } = await loggedLines(() => runCron());
    expect(lines).toContainEqual(
      expect.objectContaining({ kind: "event-log", outcome: "prune-failed", reason: "D1_ERROR: unavailable" }),
    );
  });
});
