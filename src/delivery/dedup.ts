import { jsonValue } from "../lib/json";
import { valuesOf } from "../lib/kv";
import { KV_MIN_TTL_SECONDS } from "../lib/limits";

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
 * The ids among `eventIds` remembered before, and the targets already served for those whose fan-out
 * could not finish ({@link servedTargets}), in one bulk KV read per 50 ids (a queue batch) rather than
 * reads per event: a second message about a half-done fan-out (a platform retry, a replayed `*` letter)
 * skips the targets that have the event, whatever Queues' count of its own deliveries says.
 */
export async function seenAmong(
  state: KVNamespace,
  eventIds: readonly string[],
): Promise<{ seen: Set<string>; served: Map<string, Set<string>> }> {
  const keys = eventIds.flatMap((id) => [PREFIX + id, FANOUT_PREFIX + id]);
  const found = await valuesOf(state, "", keys);
  const served = new Map<string, Set<string>>();
  for (const id of eventIds) {
    const targets = jsonValue(found.get(FANOUT_PREFIX + id) ?? "null");
    if (Array.isArray(targets)) served.set(id, new Set(targets.filter((target) => typeof target === "string")));
  }
  return { seen: new Set(eventIds.filter((id) => found.has(PREFIX + id))), served };
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
  await state.put(PREFIX + eventId, "1", { expirationTtl: Math.max(KV_MIN_TTL_SECONDS, ttlSeconds) });
}

/**
 * Targets already served for an event whose fan-out could not finish (its retry
 * messages failed to queue): `fanout:<event id>` → JSON array of target ids.
 * Read with the batch's dedup markers (one bulk read, {@link seenAmong}), and by the dead-letter queue.
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
