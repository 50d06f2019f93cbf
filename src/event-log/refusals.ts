import { errorMessage } from "../errors";
import { log } from "../log";
import { writeQuietly } from "./journal";
import { insertRows, type Row } from "./sql";

export interface Refusal {
  provider: string;
  /** The account segment of the route; "" for the base route. */
  account: string;
  status: number;
  /** The refusal's message: what was wrong, never what was sent. */
  reason: string;
}

export const HOUR_MS = 3_600_000;
/** At most one counter write per isolate in this long, however many callbacks are refused. */
export const REFUSAL_FLUSH_INTERVAL_MS = 10_000;
/** Distinct (provider, account, status, reason, hour) counters held between writes; more fold into "other". */
export const MAX_COUNTERS = 200;
const MAX_REASON_CHARS = 200;
export const OVERFLOW_REASON = "other (too many distinct reasons)";

/**
 * Refused callbacks counted per hour, in this isolate's memory, and written as one
 * upsert batch at most every `intervalMs`: a flood of bad callbacks costs one D1
 * write per interval per isolate, not one per request. Counts not yet written ride
 * along with the next write: the next refusal due, or the next queue invocation.
 */
export class RefusalCounter {
  readonly #counts = new Map<string, { refusal: Refusal; hour: number; count: number }>();
  #lastWrite = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs = REFUSAL_FLUSH_INTERVAL_MS,
    private readonly maxCounters = MAX_COUNTERS,
  ) {}

  /** Counts one refusal; returns whether a write is due now (then call `flush`). */
  count(refusal: Refusal, now = Date.now()): boolean {
    const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
    let safe = { ...refusal, reason: refusal.reason.slice(0, MAX_REASON_CHARS) };
    let key = keyOf(safe, hour);
    if (!this.#counts.has(key) && this.#counts.size >= this.maxCounters) {
      safe = { ...safe, reason: OVERFLOW_REASON };
      key = keyOf(safe, hour);
    }
    const entry = this.#counts.get(key);
    if (entry) entry.count += 1;
    else this.#counts.set(key, { refusal: safe, hour, count: 1 });
    return now - this.#lastWrite >= this.intervalMs;
  }

  get pending(): number {
    return this.#counts.size;
  }

  /** Takes every pending count as upsert statements (empty when none); the caller writes them. */
  drain(db: D1Database, now = Date.now()): D1PreparedStatement[] {
    if (this.#counts.size === 0) return [];
    const rows: Row[] = [...this.#counts.values()].map(({ refusal, hour, count }) => [
      hour,
      refusal.provider,
      refusal.account,
      refusal.status,
      refusal.reason,
      count,
    ]);
    this.#counts.clear();
    this.#lastWrite = now;
    return insertRows(
      db,
      "INSERT INTO refusals",
      ["hour", "provider", "account", "status", "reason", "count"],
      rows,
      " ON CONFLICT (hour, provider, account, status, reason) DO UPDATE SET count = count + excluded.count",
    );
  }

  /** Writes the pending counts in one batch; never throws. */
  async flush(db: D1Database | undefined, now = Date.now()): Promise<void> {
    if (db === undefined || this.#counts.size === 0) return;
    await writeQuietly(() => db.batch(this.drain(db, now)), { table: "refusals" });
  }
}

function keyOf(refusal: Refusal, hour: number): string {
  return JSON.stringify([hour, refusal.provider, refusal.account, refusal.status, refusal.reason]);
}

/** This isolate's counter. */
export const refusals = new RefusalCounter();

/**
 * Counts a refused callback and, when a write is due, schedules it after the
 * response (`waitUntil`): the response never waits for D1.
 */
export function countRefusal(
  db: D1Database | undefined,
  waitUntil: ((promise: Promise<unknown>) => void) | undefined,
  refusal: Refusal,
): void {
  try {
    if (refusals.count(refusal) && db !== undefined && waitUntil !== undefined) waitUntil(refusals.flush(db));
  } catch (error) {
    log("event-log", { outcome: "count-failed", reason: errorMessage(error) });
  }
}
