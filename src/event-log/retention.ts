import { type Env, readSetting } from "../core/env";
import { errorMessage } from "../core/errors";
import { log } from "../core/log";
import { DEFAULTS } from "../core/settings";
import { REQUEST_OPERATION_BUDGET } from "../lib/limits";
import { HOUR_MS } from "./counter";
import { previousMatches } from "./credential-matches";
import { refusals } from "./refusals";
import { CLAIM_KEPT_MS } from "./replay-claims";

const DEFAULT_RETENTION_DAYS = Number(DEFAULTS.EVENT_LOG_RETENTION_DAYS);
/**
 * The longest the log keeps a row. An event too large for a queue message is logged as its stub,
 * whose payload KV keeps for 30 days (src/queue/spill.ts, SPILL_TTL_SECONDS): a row must never
 * outlive the payload it points to.
 */
export const MAX_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;
/** Rows deleted per statement, so that one run never holds the database for long. */
export const DELETE_CHUNK = 5_000;

/**
 * `EVENT_LOG_RETENTION_DAYS`: whole days from 1 to 30. A value that is not a whole number of days
 * keeps the default and one over 30 keeps 30, each with a log line: the log keeps being pruned.
 */
function retentionDays(env: Env): number {
  const raw = readSetting(env, "EVENT_LOG_RETENTION_DAYS");
  if (raw === undefined) return DEFAULT_RETENTION_DAYS;
  const days = /^\d{1,6}$/.test(raw) ? Number(raw) : 0;
  if (days < 1) {
    log("config-invalid", {
      reason: `EVENT_LOG_RETENTION_DAYS must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, got "${raw}"; keeping ${DEFAULT_RETENTION_DAYS} days`,
    });
    return DEFAULT_RETENTION_DAYS;
  }
  if (days > MAX_RETENTION_DAYS) {
    log("config-invalid", {
      reason: `EVENT_LOG_RETENTION_DAYS is ${days}, more than ${MAX_RETENTION_DAYS}: keeping ${MAX_RETENTION_DAYS} days (events too large for a queue message are kept in KV for ${MAX_RETENTION_DAYS} days, and the log must not outlive them)`,
    });
    return MAX_RETENTION_DAYS;
  }
  return days;
}

/** The oldest time (ms) the log still keeps. */
export function retainedSince(env: Env, now = Date.now()): number {
  return now - retentionDays(env) * DAY_MS;
}

/**
 * Deletes in chunks, oldest first, each chunk found through an index (never a scan of the table):
 * `events` by received time; `attempts` by `seq`, the order they were written in, looking at most
 * one chunk ahead (an attempt is written within seconds of its time, so the oldest rows come first).
 */
const CHUNKED = [
  {
    table: "events",
    sql: `DELETE FROM events WHERE id IN (SELECT id FROM events INDEXED BY events_by_received WHERE received_at < ?1 ORDER BY received_at LIMIT ?2)`,
  },
  {
    table: "attempts",
    sql: `DELETE FROM attempts WHERE seq IN (SELECT seq FROM (SELECT seq, at FROM attempts ORDER BY seq LIMIT ?2) WHERE at < ?1)`,
  },
] as const;

/** The hourly counter tables: few rows each, one statement each. */
const HOURLY_COUNTERS = ["refusals", "credential_matches"] as const;

/**
 * Replays' claims of dead letters (replay-claims.ts), an hour after they were made: one
 * chunk a run, oldest first (a replay claims at most a few hundred a call; a backlog goes over a few runs).
 */
const LAPSED_CLAIMS_STATEMENTS = 1;
const LAPSED_CLAIMS = `DELETE FROM replay_claims WHERE letter IN (SELECT letter FROM replay_claims INDEXED BY replay_claims_by_time WHERE claimed_at < ?1 ORDER BY claimed_at LIMIT ?2)`;

/**
 * Chunks per table per run; whatever is left goes on the next run. A cron run is one invocation with
 * the request budget (50 operations, the Free plan's): before pruning it writes the counts its isolate
 * holds (src/index.ts), at most each counter's cap, so the chunks get what those writes and the
 * counters' own deletes leave, whatever the backlog.
 */
export const MAX_CHUNKS = Math.floor(
  (REQUEST_OPERATION_BUDGET -
    refusals.maxStatements -
    previousMatches.maxStatements -
    HOURLY_COUNTERS.length -
    LAPSED_CLAIMS_STATEMENTS) /
    CHUNKED.length,
);

/**
 * The Cron Trigger's housekeeping: deletes event-log rows older than
 * `EVENT_LOG_RETENTION_DAYS`, a chunk at a time. A failure is logged; the next run catches up.
 */
export async function pruneEventLog(env: Env, now = Date.now()): Promise<Record<string, number>> {
  const days = retentionDays(env);
  const deleted: Record<string, number> = {};
  if (env.RELAY_LOG === undefined) return deleted;
  const db = env.RELAY_LOG;
  const cutoff = now - days * DAY_MS;
  try {
    for (const { table, sql } of CHUNKED) {
      deleted[table] = 0;
      for (let chunk = 0; chunk < MAX_CHUNKS; chunk++) {
        const { meta } = await db.prepare(sql).bind(cutoff, DELETE_CHUNK).run();
        deleted[table] += meta.changes;
        if (meta.changes < DELETE_CHUNK) break;
      }
    }
    // A counter's hour is kept while any of it is inside the window.
    for (const table of HOURLY_COUNTERS) {
      const { meta } = await db
        .prepare(`DELETE FROM ${table} WHERE hour < ?1`)
        .bind(cutoff - HOUR_MS)
        .run();
      deleted[table] = meta.changes;
    }
    const claims = await db
      .prepare(LAPSED_CLAIMS)
      .bind(now - CLAIM_KEPT_MS, DELETE_CHUNK)
      .run();
    deleted.replay_claims = claims.meta.changes;
    log("event-log", { outcome: "pruned", retentionDays: days, before: new Date(cutoff).toISOString(), deleted });
  } catch (error) {
    log("event-log", { outcome: "prune-failed", reason: errorMessage(error), deleted });
  }
  return deleted;
}
