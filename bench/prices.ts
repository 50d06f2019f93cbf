/**
 * Cloudflare list prices (Workers Paid plan, US dollars) for what one event can bill, beyond each
 * product's monthly inclusion. Written 2026-12-04 from the stored copies of Cloudflare's pricing pages
 * that the project's docs search returned that day (no live internet here); check them before quoting:
 *
 * - Workers requests and CPU time: https://developers.cloudflare.com/workers/platform/pricing/
 *   ($5/month base, 10M requests and 30M CPU ms included; queue consumer invocations are billed as requests)
 * - Workers KV: https://developers.cloudflare.com/kv/platform/pricing/ (billed per key)
 * - Queues: https://developers.cloudflare.com/queues/platform/pricing/ (write, read and delete each one
 *   operation per 64 KB of message; 1M operations a month included)
 * - D1: https://developers.cloudflare.com/d1/platform/pricing/ (rows read and rows written as D1 reports them
 *   in each result's `meta`)
 * - Durable Objects: https://developers.cloudflare.com/durable-objects/platform/pricing (each RPC call a request;
 *   a SQLite-backed object's storage bills rows read and rows written like D1, since January 2026)
 * - Workers Logs: https://developers.cloudflare.com/workers/observability/logs/workers-logs/#pricing
 *   (20M lines a month included)
 */
export const PRICES_AS_OF = "2026-12-04";

/** Dollars per million units. */
export const PRICE_PER_MILLION = {
  workersRequests: 0.3,
  cpuMs: 0.02,
  kvReads: 0.5,
  kvWrites: 5,
  kvDeletes: 5,
  kvLists: 5,
  queueOperations: 0.4,
  d1RowsRead: 0.001,
  d1RowsWritten: 1,
  durableObjectRequests: 0.15,
  durableObjectRowsRead: 0.001,
  durableObjectRowsWritten: 1,
  /** Per million GB-s of Durable Object duration. */
  durableObjectGbSeconds: 12.5,
  logLines: 0.6,
} as const;

export type BillableCounts = Partial<Record<keyof typeof PRICE_PER_MILLION, number>>;

/** The list price of a million events that each bill `counts` (beyond the plan's inclusions). */
export function pricePerMillionEvents(counts: BillableCounts): number {
  let dollars = 0;
  for (const [unit, count] of Object.entries(counts)) {
    dollars += (count ?? 0) * PRICE_PER_MILLION[unit as keyof typeof PRICE_PER_MILLION];
  }
  return Math.round(dollars * 1000) / 1000;
}

/** The Workers Paid plan's monthly subscription, which includes the amounts below. */
export const PAID_PLAN_USD_PER_MONTH = 5;

/** What the Workers Paid plan includes each month, in the units of PRICE_PER_MILLION (same sources, same date). */
export const PAID_INCLUDED_PER_MONTH: BillableCounts = {
  workersRequests: 10_000_000,
  cpuMs: 30_000_000,
  kvReads: 10_000_000,
  kvWrites: 1_000_000,
  kvDeletes: 1_000_000,
  kvLists: 1_000_000,
  queueOperations: 1_000_000,
  d1RowsRead: 25_000_000_000,
  d1RowsWritten: 50_000_000,
  durableObjectRequests: 1_000_000,
  durableObjectGbSeconds: 400_000,
  durableObjectRowsRead: 25_000_000_000,
  durableObjectRowsWritten: 50_000_000,
  logLines: 20_000_000,
};

/**
 * A month on the Paid plan for `eventsPerMonth` events that each bill `perEvent`: the subscription plus
 * every unit beyond its inclusion, at list price (nothing else running on the account).
 */
export function monthlyUsdOnPaid(perEvent: BillableCounts, eventsPerMonth: number): number {
  let dollars = PAID_PLAN_USD_PER_MONTH;
  for (const [unit, count] of Object.entries(perEvent)) {
    const key = unit as keyof typeof PRICE_PER_MILLION;
    const beyond = Math.max(0, (count ?? 0) * eventsPerMonth - (PAID_INCLUDED_PER_MONTH[key] ?? 0));
    dollars += (beyond / 1_000_000) * PRICE_PER_MILLION[key];
  }
  return Math.round(dollars * 100) / 100;
}
