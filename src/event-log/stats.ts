import { HOUR_MS } from "./counter";
import type { Outcome } from "./journal";
import { iso } from "./queries";

interface ProviderStats {
  /** Events accepted (queued) in the window. */
  accepted: number;
  /**
   * `byReason`: the top MAX_REFUSAL_REASONS by count, then (when there are more) one entry with
   * `status: null` and `reason: "other"` summing the rest.
   */
  refused: { total: number; byReason: { status: number | null; reason: string; count: number }[] };
  /** Deliveries (event, target) active in the window, by their latest outcome. */
  delivered: number;
  retrying: number;
  dead: number;
  paused: number;
  /** Accepted callbacks verified with a `_PREVIOUS` credential, in all and per account ("" is the base route). */
  previousCredential: { total: number; accounts: Record<string, number> };
}

interface TargetStats {
  /** Deliveries of the events in the window that succeeded, and the requests that failed (retried or given up). */
  delivered: number;
  failed: number;
  /** Nearest-rank percentiles of the target's response time over its successful deliveries; null without any. */
  latencyMs: { p50: number; p95: number } | null;
  /** Health, whatever the window: the last successful request (to the minute) and the failed requests since. */
  lastSuccessAt: string | null;
  failuresInARow: number;
}

interface HourStats {
  hour: string;
  accepted: number;
  refused: number;
  delivered: number;
  failed: number;
}

interface Stats {
  since: string;
  until: string;
  providers: Record<string, ProviderStats>;
  targets: Record<string, TargetStats>;
  hours: HourStats[];
}

/** Refusal reasons listed per provider; the rest are summed into one "other" entry. */
const MAX_REFUSAL_REASONS = 50;
const OTHER_REASONS = "other";

/** The deliveries of the events received in the window, one row per event and target (covering index). */
const DELIVERIES = `FROM events INDEXED BY events_by_received, json_each(events.deliveries) AS d WHERE received_at >= ?1`;

/**
 * The overview from `since` to `now`, in one read batch. Events and deliveries are counted by the
 * hour the event was received, from the covering index alone; refusals and credential matches from
 * their hourly counters; each target's health from its own small row.
 */
export async function readStats(
  db: D1Database,
  providers: readonly string[],
  since: number,
  now = Date.now(),
): Promise<Stats> {
  const firstHour = Math.floor(since / HOUR_MS) * HOUR_MS;
  const [accepted, refused, deliveries, latency, refusalHours, previous, health] = await db.batch<
    Record<string, number | string>
  >([
    db
      .prepare(
        `SELECT provider, received_at / ${HOUR_MS} AS h, count(*) AS n FROM events INDEXED BY events_by_received
           WHERE received_at >= ?1 GROUP BY provider, h`,
      )
      .bind(since),
    // The top reasons of each provider by count, and one row per provider summing the rest.
    db
      .prepare(
        `WITH ranked AS (
             SELECT provider, status, reason, sum(count) AS n,
                    row_number() OVER (PARTITION BY provider ORDER BY sum(count) DESC, status, reason) AS rank
             FROM refusals WHERE hour >= ?1 GROUP BY provider, status, reason
           )
           SELECT provider, status, reason, n, rank FROM ranked WHERE rank <= ${MAX_REFUSAL_REASONS}
           UNION ALL
           SELECT provider, NULL, NULL, sum(n), ${MAX_REFUSAL_REASONS + 1} FROM ranked
           WHERE rank > ${MAX_REFUSAL_REASONS} GROUP BY provider
           ORDER BY provider, rank`,
      )
      .bind(firstHour),
    db
      .prepare(
        `SELECT provider, received_at / ${HOUR_MS} AS h, d.key AS target, d.value ->> 'o' AS outcome,
                  count(*) AS n, sum(d.value ->> 'f') AS failed
           ${DELIVERIES} GROUP BY provider, h, target, outcome`,
      )
      .bind(since),
    db
      .prepare(
        `SELECT target, ms, n, total FROM (
             SELECT d.key AS target, d.value ->> 'ms' AS ms,
                    row_number() OVER (PARTITION BY d.key ORDER BY d.value ->> 'ms') AS n,
                    count(*) OVER (PARTITION BY d.key) AS total
             ${DELIVERIES} AND d.value ->> 'o' = 'delivered'
           ) WHERE n = (total * 50 + 99) / 100 OR n = (total * 95 + 99) / 100`,
      )
      .bind(since),
    db
      .prepare(`SELECT hour / ${HOUR_MS} AS h, sum(count) AS n FROM refusals WHERE hour >= ?1 GROUP BY h`)
      .bind(firstHour),
    db
      .prepare(
        "SELECT provider, account, sum(count) AS n FROM credential_matches WHERE hour >= ?1 AND credential = 'previous' GROUP BY provider, account ORDER BY account",
      )
      .bind(firstHour),
    db.prepare("SELECT target, last_success_at, failures_in_a_row FROM target_health"),
  ]);
  const rows = (result: D1Result<Record<string, number | string>> | undefined) => result?.results ?? [];

  const byProvider: Record<string, ProviderStats> = {};
  const provider = (name: string) => {
    byProvider[name] ??= {
      accepted: 0,
      refused: { total: 0, byReason: [] },
      delivered: 0,
      retrying: 0,
      dead: 0,
      paused: 0,
      previousCredential: { total: 0, accounts: {} },
    };
    return byProvider[name];
  };
  for (const name of providers) provider(name);
  const hours = new Map<number, HourStats>();
  for (let h = firstHour / HOUR_MS; h <= Math.floor(now / HOUR_MS); h++) {
    hours.set(h, { hour: iso(h * HOUR_MS), accepted: 0, refused: 0, delivered: 0, failed: 0 });
  }
  for (const row of rows(accepted)) {
    provider(String(row.provider)).accepted += Number(row.n);
    const bucket = hours.get(Number(row.h));
    if (bucket) bucket.accepted += Number(row.n);
  }
  for (const row of rows(refused)) {
    const stats = provider(String(row.provider));
    stats.refused.total += Number(row.n);
    const other = Number(row.rank) > MAX_REFUSAL_REASONS;
    stats.refused.byReason.push({
      status: other ? null : Number(row.status),
      reason: other ? OTHER_REASONS : String(row.reason),
      count: Number(row.n),
    });
  }
  for (const row of rows(previous)) {
    const { previousCredential } = provider(String(row.provider));
    previousCredential.total += Number(row.n);
    previousCredential.accounts[String(row.account)] = Number(row.n);
  }
  /** Which of a provider's counts each outcome adds to. */
  const field = {
    delivered: "delivered",
    retry: "retrying",
    dead: "dead",
    paused: "paused",
  } as const satisfies Record<Outcome, string>;
  const byTarget: Record<string, TargetStats> = {};
  const target = (name: string) => {
    byTarget[name] ??= { delivered: 0, failed: 0, latencyMs: null, lastSuccessAt: null, failuresInARow: 0 };
    return byTarget[name];
  };
  for (const row of rows(deliveries)) {
    const outcome = String(row.outcome);
    const n = Number(row.n);
    const failed = Number(row.failed ?? 0);
    const key = field[outcome as keyof typeof field];
    if (key !== undefined) provider(String(row.provider))[key] += n;
    const stats = target(String(row.target));
    if (outcome === "delivered") stats.delivered += n;
    stats.failed += failed;
    const bucket = hours.get(Number(row.h));
    if (bucket) {
      if (outcome === "delivered") bucket.delivered += n;
      bucket.failed += failed;
    }
  }
  for (const row of rows(health)) {
    const stats = target(String(row.target));
    stats.lastSuccessAt = row.last_success_at === null ? null : iso(Number(row.last_success_at));
    stats.failuresInARow = Number(row.failures_in_a_row);
  }
  for (const row of rows(latency)) {
    const stats = byTarget[String(row.target)];
    if (stats === undefined) continue;
    const total = Number(row.total);
    const n = Number(row.n);
    const value = Number(row.ms);
    stats.latencyMs ??= { p50: value, p95: value };
    const { latencyMs } = stats;
    if (n === Math.ceil(total * 0.5)) latencyMs.p50 = value;
    if (n === Math.ceil(total * 0.95)) latencyMs.p95 = value;
  }

  for (const row of rows(refusalHours)) {
    const bucket = hours.get(Number(row.h));
    if (bucket) bucket.refused = Number(row.n);
  }
  return { since: iso(since), until: iso(now), providers: byProvider, targets: byTarget, hours: [...hours.values()] };
}
