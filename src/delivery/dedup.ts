import { presentAmong } from "../lib/kv";

/**
 * Dedup markers in KV `RELAY_STATE`: `dedup:<event id>` → "1", expiring after
 * `DEDUP_TTL_SECONDS`. KV is eventually consistent, so this is best effort across
 * locations; `webhook-id` lets targets finish the job.
 */
const PREFIX = "dedup:";

export async function seenBefore(state: KVNamespace, eventId: string): Promise<boolean> {
  return (await state.get(PREFIX + eventId)) !== null;
}

/**
 * The ids among `eventIds` remembered before, in one bulk KV read per 100 ids
 * (a queue batch) rather than one read per event.
 */
export function seenAmong(state: KVNamespace, eventIds: readonly string[]): Promise<Set<string>> {
  return presentAmong(state, PREFIX, eventIds);
}

/**
 * How long a marker is kept: `DEDUP_TTL_SECONDS`, or longer when an exact replay of the callback
 * would verify for longer (`dedupUntil`, ms: a whiteboard callback's ExpireTime).
 */
export function markerTtlSeconds(dedupTtlSeconds: number, dedupUntil?: number, now = Date.now()): number {
  const untilSeconds = dedupUntil === undefined ? 0 : Math.ceil((dedupUntil - now) / 1000);
  return Math.max(dedupTtlSeconds, untilSeconds);
}

export async function remember(state: KVNamespace, eventId: string, ttlSeconds: number): Promise<void> {
  await state.put(PREFIX + eventId, "1", { expirationTtl: Math.max(60, ttlSeconds) });
}

/**
 * Targets already served for an event whose fan-out could not finish (its retry
 * messages failed to queue): `fanout:<event id>` → JSON array of target ids.
 * Read only when a fan-out message is redelivered, so the happy path never pays for it.
 */
const FANOUT_PREFIX = "fanout:";
const FANOUT_TTL_SECONDS = 7 * 86_400;

export async function servedTargets(state: KVNamespace, eventId: string): Promise<Set<string>> {
  const served = await state.get<string[]>(FANOUT_PREFIX + eventId, "json");
  return new Set(Array.isArray(served) ? served : []);
}

export async function rememberServed(state: KVNamespace, eventId: string, targets: Iterable<string>): Promise<void> {
  await state.put(FANOUT_PREFIX + eventId, JSON.stringify([...targets]), { expirationTtl: FANOUT_TTL_SECONDS });
}
