import {
  COUNTER_FLUSH_INTERVAL_MS,
  type CounterTable,
  HourlyCounter,
  MAX_COUNTER_ROWS,
  MAX_COUNTERS,
  OVERFLOW_ACCOUNT,
} from "./counter";

interface Refusal {
  provider: string;
  /** The account segment of the route; "" for the base route, UNCONFIGURED_ACCOUNT for any without credentials. */
  account: string;
  status: number;
  /** The refusal's message: what was wrong, never what was sent. */
  reason: string;
}

/** At most one counter write per isolate in this long, however many callbacks are refused. */
const REFUSAL_FLUSH_INTERVAL_MS = COUNTER_FLUSH_INTERVAL_MS;
/**
 * The hard cap: refusal rows one isolate writes at most per interval (REFUSAL_FLUSH_INTERVAL_MS),
 * whatever arrives. Counts past it are dropped and logged.
 */
export const MAX_REFUSAL_ROWS = MAX_COUNTER_ROWS;
/**
 * The one account counted for every account that has no credentials at all: a flood to made-up
 * account names shares its keys. Never an account name (those are [a-z0-9_]).
 */
export const UNCONFIGURED_ACCOUNT = "(unconfigured)";
const MAX_REASON_CHARS = 200;
export const OVERFLOW_REASON = "other (too many distinct reasons)";

const REFUSALS: CounterTable<Refusal> = {
  table: "refusals",
  columns: ["provider", "account", "status", "reason"],
  key: ({ provider, account, status, reason }) => [provider, account, status, reason.slice(0, MAX_REASON_CHARS)],
  // Without the account: overflow keys are bounded by providers × statuses, whatever accounts a flood names.
  overflow: ([provider, , status]) => [provider ?? "", OVERFLOW_ACCOUNT, status ?? 0, OVERFLOW_REASON],
};

/** Refused callbacks counted per (hour, provider, account, status, reason); metadata only. */
export class RefusalCounter extends HourlyCounter<Refusal> {
  constructor(intervalMs = REFUSAL_FLUSH_INTERVAL_MS, maxCounters = MAX_COUNTERS) {
    super(REFUSALS, intervalMs, maxCounters, MAX_REFUSAL_ROWS);
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
