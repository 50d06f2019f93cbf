import { errorMessage } from "../core/errors";
import { log } from "../core/log";
import { D1_BOUND_PARAMETERS } from "../lib/limits";
import { writeQuietly } from "./journal";
import { insertRows, type Row } from "./sql";

export const HOUR_MS = 3_600_000;
/** At most one counter write per isolate in this long, however many callbacks are counted. */
export const COUNTER_FLUSH_INTERVAL_MS = 10_000;
/** Distinct counters held between writes; more fold into the table's overflow key. */
export const MAX_COUNTERS = 50;
/**
 * The hard cap: rows one counter holds and writes at most per interval, whatever arrives. Overflow keys
 * are few (providers × statuses × hours), so it is reached only by a flood spanning many hours without
 * a write; counts past it are dropped and the drop is logged.
 */
export const MAX_COUNTER_ROWS = 100;

/** Held in place of an account in an overflow key (never a valid account name). */
export const OVERFLOW_ACCOUNT = "(other accounts)";

/** One hourly counter table: its key columns (after `hour`) and how a counted thing fills them. */
export interface CounterTable<T> {
  table: string;
  /** The key columns after `hour`, in order; the table's primary key is `hour` and these. */
  columns: readonly string[];
  key(item: T): (string | number)[];
  /** The key counted instead once `maxCounters` distinct keys are held; from a bounded set. */
  overflow(key: (string | number)[]): (string | number)[];
}

interface Entry {
  key: (string | number)[];
  hour: number;
  count: number;
}

/**
 * Things counted per hour, in this isolate's memory, and written as one upsert
 * batch at most every `intervalMs`: a flood costs one D1 write per interval per
 * isolate, not one per request, and at most `maxRows` rows per interval, whatever
 * arrives. Counts not yet written ride along with the next write: the next count
 * due, or the next queue invocation.
 */
export class HourlyCounter<T> {
  readonly #counts = new Map<string, Entry>();
  #lastWrite = Number.NEGATIVE_INFINITY;
  /** The interval the rows written so far count against, and how many were written in it. */
  #windowStart = Number.NEGATIVE_INFINITY;
  #rowsInWindow = 0;
  /** Counts past the hard cap since the last write: not held, only reported. */
  #dropped = 0;

  constructor(
    private readonly spec: CounterTable<T>,
    private readonly intervalMs = COUNTER_FLUSH_INTERVAL_MS,
    private readonly maxCounters = MAX_COUNTERS,
    private readonly maxRows = MAX_COUNTER_ROWS,
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
    else if (this.#counts.size < this.maxRows) this.#counts.set(id, { key, hour, count: 1 });
    else this.#dropped += 1;
    return now - this.#lastWrite >= this.intervalMs;
  }

  get pending(): number {
    return this.#counts.size;
  }

  /** The most statements one `flush` writes: `maxRows` rows, as many per statement as D1's parameter limit allows. */
  get maxStatements(): number {
    return Math.ceil(this.maxRows / Math.floor(D1_BOUND_PARAMETERS / (this.spec.columns.length + 2)));
  }

  /**
   * Takes pending counts as upsert statements, at most as many rows as this interval has left (the
   * largest counts first; the rest wait for the next interval); empty when none. The caller writes them.
   */
  drain(db: D1Database, now = Date.now()): D1PreparedStatement[] {
    if (now - this.#windowStart >= this.intervalMs || now < this.#windowStart) {
      this.#windowStart = now;
      this.#rowsInWindow = 0;
    }
    this.#reportDropped();
    const budget = this.maxRows - this.#rowsInWindow;
    if (this.#counts.size === 0 || budget <= 0) return [];
    const taken = [...this.#counts].sort(([, a], [, b]) => b.count - a.count).slice(0, budget);
    for (const [id] of taken) this.#counts.delete(id);
    this.#rowsInWindow += taken.length;
    this.#lastWrite = now;
    const rows: Row[] = taken.map(([, { key, hour, count }]) => [hour, ...key, count]);
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

  /** Writes pending counts in one batch of their own; never throws. */
  async flush(db: D1Database | undefined, now = Date.now()): Promise<void> {
    if (db === undefined || this.#counts.size === 0) return;
    await writeQuietly(
      () => {
        const statements = this.drain(db, now);
        return statements.length === 0 ? Promise.resolve() : db.batch(statements);
      },
      { table: this.spec.table },
    );
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

  #reportDropped(): void {
    if (this.#dropped === 0) return;
    log("event-log", { outcome: "count-dropped", table: this.spec.table, dropped: this.#dropped, cap: this.maxRows });
    this.#dropped = 0;
  }
}
