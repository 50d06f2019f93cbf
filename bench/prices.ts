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
 * - Durable Objects: https://developers.cloudflare.com/durable-objects/platform/pricing (each RPC call a request)
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
