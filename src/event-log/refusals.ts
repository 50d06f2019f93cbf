import { COUNTER_FLUSH_INTERVAL_MS, type CounterTable, HourlyCounter, MAX_COUNTERS } from "./counter";

export { HOUR_MS, MAX_COUNTERS } from "./counter";

export interface Refusal {
  provider: string;
  /** The account segment of the route; "" for the base route. */
  account: string;
  status: number;
  /** The refusal's message: what was wrong, never what was sent. */
  reason: string;
}

/** At most one counter write per isolate in this long, however many callbacks are refused. */
export const REFUSAL_FLUSH_INTERVAL_MS = COUNTER_FLUSH_INTERVAL_MS;
const MAX_REASON_CHARS = 200;
export const OVERFLOW_REASON = "other (too many distinct reasons)";

const REFUSALS: CounterTable<Refusal> = {
  table: "refusals",
  columns: ["provider", "account", "status", "reason"],
  key: ({ provider, account, status, reason }) => [provider, account, status, reason.slice(0, MAX_REASON_CHARS)],
  overflow: ([provider, account, status]) => [provider ?? "", account ?? "", status ?? 0, OVERFLOW_REASON],
};

/** Refused callbacks counted per (hour, provider, account, status, reason); metadata only. */
export class RefusalCounter extends HourlyCounter<Refusal> {
  constructor(intervalMs = REFUSAL_FLUSH_INTERVAL_MS, maxCounters = MAX_COUNTERS) {
    super(REFUSALS, intervalMs, maxCounters);
  }
}

/** This isolate's counter. */
export const refusals = new RefusalCounter();

/** Counts a refused callback; a write, when due, runs after the response. */
export function countRefusal(
  db: D1Database | undefined,
  waitUntil: ((promise: Promise<unknown>) => void) | undefined,
  refusal: Refusal,
): void {
  refusals.countAfterResponse(db, waitUntil, refusal);
}
