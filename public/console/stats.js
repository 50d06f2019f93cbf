// Reads `GET /admin/stats` into what the overview draws: per provider its totals, its refusals
// by reason, and one entry per hour of the last 24.
import { lastHours } from "./chart.js";
import { PROVIDERS } from "./providers.js";

const number = (value) => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/** Refusals as [{ status, reason, count }], whether the API lists them or groups them by reason. */
function refusals(value) {
  if (Array.isArray(value)) return value.map((item) => ({ ...item, count: number(item.count) }));
  if (value && typeof value === "object") {
    if (Array.isArray(value.byReason)) return refusals(value.byReason);
    if (Array.isArray(value.reasons)) return refusals(value.reasons);
    return Object.entries(value)
      .filter(([, count]) => typeof count === "number")
      .map(([reason, count]) => ({ reason, count }));
  }
  return typeof value === "number" && value > 0 ? [{ reason: "", count: value }] : [];
}

function byProvider(collection) {
  if (Array.isArray(collection)) return Object.fromEntries(collection.map((item) => [item.provider, item]));
  return collection && typeof collection === "object" ? collection : {};
}

function refusedCount(value) {
  if (typeof value === "number") return value;
  if (value && typeof value.total === "number") return value.total;
  return refusals(value).reduce((sum, item) => sum + item.count, 0);
}

const failingOf = (counts) => number(counts?.failing) || number(counts?.retrying) + number(counts?.dead);

/** [{ id, accepted, delivered, failing, retrying, dead, refused, refusals, hours }] for the four platforms. */
export function readStats(stats, now = Date.now()) {
  const providers = byProvider(stats?.providers);
  const buckets = stats?.hours ?? stats?.hourly ?? stats?.buckets ?? [];
  return PROVIDERS.map(([id]) => {
    const counts = providers[id] ?? {};
    const hourly = new Map();
    // Hourly rows come either from a shared list (per bucket, per provider) or from the provider's own list.
    const rows = [
      ...buckets.map((bucket) => [
        bucket,
        bucket.providers ? byProvider(bucket.providers)[id] : bucket.provider === id && bucket,
      ]),
      ...(counts.hours ?? []).map((bucket) => [bucket, bucket]),
    ];
    for (const [bucket, row] of rows) {
      const start = bucket.hour ?? bucket.start ?? bucket.at ?? bucket.time;
      if (!start || !row) continue;
      const key = new Date(start).toISOString();
      hourly.set(key, { accepted: number(row.accepted), refused: refusedCount(row.refused), failing: failingOf(row) });
    }
    return {
      id,
      accepted: number(counts.accepted),
      delivered: number(counts.delivered),
      retrying: number(counts.retrying),
      dead: number(counts.dead),
      failing: failingOf(counts),
      refused: refusedCount(counts.refused),
      refusals: refusals(counts.refused),
      hours: lastHours(24, now).map((hour) => ({ hour, accepted: 0, refused: 0, failing: 0, ...hourly.get(hour) })),
    };
  });
}
