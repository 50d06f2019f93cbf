// Reads `GET /admin/stats` into what the overview draws.
import { lastHours } from "./chart.js";
import { PROVIDERS } from "./providers.js";

const number = (value) => (typeof value === "number" && Number.isFinite(value) ? value : 0);

/**
 * `{ providers: [{ id, accepted, refused, refusals, delivered, retrying, dead, paused, failing }],
 *    targets: [{ id, delivered, failed, p50, p95, lastSuccessAt, failuresInARow }], hours: [{ hour, accepted, refused, failed }] }`,
 * with all four platforms and all 24 hours present even when the log has nothing for them.
 */
export function readStats(stats, now = Date.now()) {
  const providers = PROVIDERS.map(([id]) => {
    const counts = stats.providers?.[id] ?? {};
    const retrying = number(counts.retrying);
    const dead = number(counts.dead);
    return {
      id,
      accepted: number(counts.accepted),
      refused: number(counts.refused?.total),
      refusals: counts.refused?.byReason ?? [],
      delivered: number(counts.delivered),
      retrying,
      dead,
      paused: number(counts.paused),
      failing: retrying + dead,
    };
  });
  const targets = Object.entries(stats.targets ?? {}).map(([id, counts]) => ({
    id,
    delivered: number(counts.delivered),
    failed: number(counts.failed),
    p50: counts.latencyMs?.p50 ?? null,
    p95: counts.latencyMs?.p95 ?? null,
    lastSuccessAt: typeof counts.lastSuccessAt === "string" ? counts.lastSuccessAt : null,
    failuresInARow: number(counts.failuresInARow),
  }));
  const byHour = new Map((stats.hours ?? []).map((bucket) => [new Date(bucket.hour).toISOString(), bucket]));
  const hours = lastHours(24, now).map((hour) => {
    const bucket = byHour.get(hour) ?? {};
    return { hour, accepted: number(bucket.accepted), refused: number(bucket.refused), failed: number(bucket.failed) };
  });
  return { providers, targets, hours };
}
