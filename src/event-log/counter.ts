import { errorMessage } from "../errors";
import { log } from "../log";
import { writeQuietly } from "./journal";
import { insertRows, type Row } from "./sql";

export const HOUR_MS = 3_600_000;
/** At most one counter write per isolate in this long, however many callbacks are counted. */
export const COUNTER_FLUSH_INTERVAL_MS = 10_000;
/** Distinct counters held between writes; more fold into the table's overflow key. */
export const MAX_COUNTERS = 200;

/** One hourly counter table: its key columns (after `hour`) and how a counted thing fills them. */
export interface CounterTable<T> {
  table: string;
  /** The key columns after `hour`, in order; the table's primary key is `hour` and these. */
  columns: readonly string[];
  key(item: T): (string | number)[];
  /** The key counted instead once `maxCounters` distinct keys are held. */
  overflow(key: (string | number)[]): (string | number)[];
}

/**
 * Things counted per hour, in this isolate's memory, and written as one upsert
 * batch at most every `intervalMs`: a flood costs one D1 write per interval per
 * isolate, not one per request. Counts not yet written ride along with the next
 * write: the next count due, or the next queue invocation.
 */
export class HourlyCounter<T> {
  readonly #counts = new Map<string, { key: (string | number)[]; hour: number; count: number }>();
  #lastWrite = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly spec: CounterTable<T>,
    private readonly intervalMs = COUNTER_FLUSH_INTERVAL_MS,
    private readonly maxCounters = MAX_COUNTERS,
  ) {}

  /** Counts one thing; returns whether a write is due now (then call `flush`). */
  count(item: T, now = Date.now()): boolean {
    const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
    let key = this.spec.key(item);
    let id = JSON.stringify([hour, ...key]);
    if (!this.#counts.has(id) && this.#counts.size >= this.maxCounters) {
      key = this.spec.overflow(key);
      id = JSON.stringify([hour, ...key]);
    }
    const entry = this.#counts.get(id);
    if (entry) entry.count += 1;
    else this.#counts.set(id, { key, hour, count: 1 });
    return now - this.#lastWrite >= this.intervalMs;
  }

  get pending(): number {
    return this.#counts.size;
  }

  /** Takes every pending count as upsert statements (empty when none); the caller writes them. */
  drain(db: D1Database, now = Date.now()): D1PreparedStatement[] {
    if (this.#counts.size === 0) return [];
    const rows: Row[] = [...this.#counts.values()].map(({ key, hour, count }) => [hour, ...key, count]);
    this.#counts.clear();
    this.#lastWrite = now;
    const { table, columns } = this.spec;
    const keyColumns = ["hour", ...columns];
    return insertRows(
      db,
      `INSERT INTO ${table}`,
      [...keyColumns, "count"],
      rows,
      ` ON CONFLICT (${keyColumns.join(", ")}) DO UPDATE SET count = count + excluded.count`,
    );
  }

  /** Writes the pending counts in one batch; never throws. */
  async flush(db: D1Database | undefined, now = Date.now()): Promise<void> {
    if (db === undefined || this.#counts.size === 0) return;
    await writeQuietly(() => db.batch(this.drain(db, now)), { table: this.spec.table });
  }

  /**
   * Counts one thing and, when a write is due, schedules it after the response
   * (`waitUntil`): the response never waits for D1, and nothing here throws.
   */
  countAfterResponse(
    db: D1Database | undefined,
    waitUntil: ((promise: Promise<unknown>) => void) | undefined,
    item: T,
  ): void {
    try {
      if (this.count(item) && db !== undefined && waitUntil !== undefined) waitUntil(this.flush(db));
    } catch (error) {
      log("event-log", { outcome: "count-failed", table: this.spec.table, reason: errorMessage(error) });
    }
  }
}
