import type { AttemptRecord } from "./journal";

/**
 * A healthy target's `last_success_at` is refreshed at most this often (per isolate, and in SQL):
 * a steady stream of successes costs one row a minute per target, not one per event.
 */
const HEALTH_REFRESH_MS = 60_000;

/** When this isolate last wrote a success for each target (ms). */
const refreshedAt = new Map<string, number>();

/** Forgets what this isolate wrote (tests start from an empty table). */
export function forgetHealthWrites(): void {
  refreshedAt.clear();
}

interface TargetTally {
  lastSuccessAt: number | null;
  /** Failed requests after the last success in these records (all of them without one). */
  failuresAfter: number;
}

/**
 * The `target_health` upserts for what one invocation recorded: per target the last successful
 * request and the failed requests in a row since. Deliveries given up or parked without a request
 * change nothing. A success on a target already healthy writes nothing unless its time is a
 * minute newer than the one stored. Call `written` once the statements are: a success is remembered
 * as written only then, so one whose write failed is written with the next.
 */
export function healthStatements(
  db: D1Database,
  records: readonly AttemptRecord[],
  now = Date.now(),
): { statements: D1PreparedStatement[]; written: () => void } {
  const tallies = new Map<string, TargetTally>();
  for (const record of records) {
    if (record.durationMs === null) continue;
    const tally = tallies.get(record.target) ?? { lastSuccessAt: null, failuresAfter: 0 };
    if (record.outcome === "delivered") {
      tally.lastSuccessAt = Math.max(tally.lastSuccessAt ?? 0, record.at);
      tally.failuresAfter = 0;
    } else tally.failuresAfter += 1;
    tallies.set(record.target, tally);
  }
  const statements: D1PreparedStatement[] = [];
  const refreshed: string[] = [];
  for (const [target, { lastSuccessAt, failuresAfter }] of tallies) {
    // A failure this isolate counts makes its next success one to write, however recent the last.
    if (failuresAfter > 0) refreshedAt.delete(target);
    if (lastSuccessAt === null) {
      statements.push(db.prepare(ADD_FAILURES).bind(target, failuresAfter));
      continue;
    }
    const recent =
      failuresAfter === 0 && now - (refreshedAt.get(target) ?? Number.NEGATIVE_INFINITY) < HEALTH_REFRESH_MS;
    if (recent) continue;
    if (failuresAfter === 0) refreshed.push(target);
    statements.push(db.prepare(SUCCEEDED).bind(target, lastSuccessAt, failuresAfter, HEALTH_REFRESH_MS));
  }
  const written = () => {
    for (const target of refreshed) refreshedAt.set(target, now);
  };
  return { statements, written };
}

const ADD_FAILURES = `INSERT INTO target_health (target, last_success_at, failures_in_a_row) VALUES (?1, NULL, ?2)
  ON CONFLICT (target) DO UPDATE SET failures_in_a_row = failures_in_a_row + excluded.failures_in_a_row`;

/** Unchanged (healthy, and refreshed less than a minute ago) writes no row. */
const SUCCEEDED = `INSERT INTO target_health (target, last_success_at, failures_in_a_row) VALUES (?1, ?2, ?3)
  ON CONFLICT (target) DO UPDATE SET last_success_at = max(coalesce(last_success_at, 0), excluded.last_success_at),
    failures_in_a_row = excluded.failures_in_a_row
  WHERE failures_in_a_row <> excluded.failures_in_a_row OR last_success_at IS NULL
    OR excluded.last_success_at - last_success_at >= ?4`;
