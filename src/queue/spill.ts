import type { RelayEvent } from "../events";
import { encodeUtf8 } from "../lib/bytes";
import { sha256Hex } from "../lib/crypto";

/**
 * Cloudflare Queues carry at most 128 KB per message, but a callback may be up to
 * 256 KiB. An event too large for a message is "spilled": the full event goes to
 * KV `RELAY_STATE` under `spill:<sha256 of id>` and the queue carries a stub whose
 * `data.raw` is null and `data.spilled` names the key. Delivery puts it back together
 * just before sending, so targets always receive the whole event.
 */
export const SPILL_PREFIX = "spill:";
/** Below this body size no event can outgrow a queue message, so ingest does not even measure. */
export const SPILL_CHECK_FROM_BYTES = 96 * 1024;
const MAX_MESSAGE_BYTES = 120_000;
/** Long enough for the whole retry schedule and a month of dead-letter replays. */
const SPILL_TTL_SECONDS = 30 * 86_400;

/** Events as they can be queued; the oversized ones are written to KV first (rare: bodies over 96 KiB). */
export async function spillOversized(state: KVNamespace, events: readonly RelayEvent[]): Promise<RelayEvent[]> {
  return Promise.all(
    events.map(async (event) => {
      const text = JSON.stringify(event);
      return encodeUtf8(text).byteLength <= MAX_MESSAGE_BYTES ? event : spill(state, event, text);
    }),
  );
}

async function spill(state: KVNamespace, event: RelayEvent, text: string): Promise<RelayEvent> {
  const key = `${SPILL_PREFIX}${await sha256Hex(event.id)}`;
  await state.put(key, text, { expirationTtl: SPILL_TTL_SECONDS });
  return { ...event, data: { ...event.data, raw: null, spilled: key } };
}

/** A stub whose whole event is no longer in KV: it can never be delivered or put back together. */
export class SpillExpiredError extends Error {}

/**
 * The event as targets receive it, serialized: a spilled stub is read back from KV.
 * Throws {@link SpillExpiredError} when the payload is gone, and KV's own error when KV is unavailable.
 */
export async function deliverableBody(state: KVNamespace, event: RelayEvent): Promise<string> {
  const key = event.data.spilled;
  if (key === undefined) return JSON.stringify(event);
  const full = await state.get(key);
  if (full === null) throw new SpillExpiredError(`the spilled payload ${key} of ${event.id} has expired`);
  return full;
}

/** The whole event, a spilled stub put back together (same errors as {@link deliverableBody}). */
export async function wholeEvent(state: KVNamespace, event: RelayEvent): Promise<RelayEvent> {
  return event.data.spilled === undefined ? event : (JSON.parse(await deliverableBody(state, event)) as RelayEvent);
}
