import type { RelayEvent } from "../core/cloud-event";
import { encodeUtf8 } from "../lib/bytes";
import { sha256Hex } from "../lib/crypto";
import { refusedAsTooSoon } from "../lib/kv";
import { MESSAGE_BYTES_BUDGET } from "../lib/limits";
import { stubOf } from "./stub";

/**
 * Cloudflare Queues carry at most 128 KB per message, but a callback may be up to
 * 256 KiB, and normalization copies fields (a display name sits in `data.raw` and in
 * `data.participant`), so one event can need twice its body. What decides is the size
 * of the message actually queued, measured as Queues measures it (UTF-8 JSON).
 *
 * An event too large for a message is "spilled": the full event goes to KV
 * `RELAY_STATE` under `spill:<sha256 of id>` and the message carries a bounded stub
 * whose `data` is only `{ "spilled": <key> }` (src/queue/stub.ts). Delivery puts it back
 * together just before sending, so targets always receive the whole event. A callback
 * whose events are too large for one message goes to KV itself (src/queue/callback-spill.ts).
 */
export const SPILL_PREFIX = "spill:";
/** Queues accepts 128 KB per message; the rest is left for its own envelope. */
export const MAX_MESSAGE_BYTES = MESSAGE_BYTES_BUDGET;
/**
 * Long enough for the whole retry schedule and a month of dead-letter replays. The event log keeps
 * stubs, so it keeps rows no longer than this (src/event-log/retention.ts caps its retention).
 */
export const SPILL_TTL_SECONDS = 30 * 86_400;

/** A message's size as Queues counts it with `contentType: "json"`: the UTF-8 bytes of its JSON. */
export function messageBytes(body: unknown): number {
  return encodeUtf8(JSON.stringify(body)).byteLength;
}

/**
 * The message `wrap` builds around `event`; when it is too large for the queue, the
 * event is written to KV first and the message carries its stub instead.
 */
export async function fitEvent<M>(
  state: KVNamespace,
  event: RelayEvent,
  wrap: (event: RelayEvent) => M,
  repeated?: "written-already",
): Promise<M> {
  const message = wrap(event);
  return fitsMessage(message) ? message : wrap(await spillEvent(state, event, repeated));
}

/**
 * Whether a message fits in one queue message. A character is at most 3 UTF-8 bytes (a surrogate
 * pair, 2 characters, is 4), so a JSON text of at most a third of the limit fits without encoding it.
 */
function fitsMessage(body: unknown): boolean {
  const json = JSON.stringify(body);
  return json.length * 3 <= MAX_MESSAGE_BYTES || encodeUtf8(json).byteLength <= MAX_MESSAGE_BYTES;
}

/**
 * Writes the whole event to KV (one write) and answers its stub, which every message about it can carry.
 * With `"written-already"` (ingest, a redelivery), a write KV refuses because the key was written less than a
 * second ago counts as done: the key is the event's id, so that write was this event's, from a platform that
 * sent the callback twice within a second, or a redelivery of it a moment before. Elsewhere it throws, and the consumer runs the message again later, when
 * the event is usually a repeat dedup drops.
 */
export async function spillEvent(
  state: KVNamespace,
  event: RelayEvent,
  repeated?: "written-already",
): Promise<RelayEvent> {
  if (event.data.spilled !== undefined) return event;
  const key = `${SPILL_PREFIX}${await sha256Hex(event.id)}`;
  await putSpill(state, key, JSON.stringify(event), repeated);
  return stubOf(event, key);
}

/** The spill's one write; see {@link spillEvent} for `repeated`. */
export async function putSpill(
  state: KVNamespace,
  key: string,
  value: string,
  repeated?: "written-already",
): Promise<void> {
  try {
    await state.put(key, value, { expirationTtl: SPILL_TTL_SECONDS });
  } catch (error) {
    if (!(repeated === "written-already" && refusedAsTooSoon(error))) throw error;
  }
}

/**
 * A callback's events written to KV together as one JSON array, as bundles queued before the callback
 * itself was spilled name them (src/queue/callback-spill.ts); throws {@link SpillMissingError} when KV does
 * not have them.
 */
export async function spilledEvents(state: KVNamespace, key: string): Promise<RelayEvent[]> {
  const events = await state.get<RelayEvent[]>(key, "json");
  if (events === null) throw new SpillMissingError(`the spilled events ${key} are not in KV`);
  return events;
}

/**
 * A spilled payload KV does not have. Right after it was written that can be KV's
 * eventual consistency (another location sees it within about a minute): try again.
 * Long after (it is kept 30 days), it is gone.
 */
export class SpillMissingError extends Error {}

/**
 * The event as targets receive it, serialized: a spilled stub is read back from KV.
 * Throws {@link SpillMissingError} when KV does not have the payload, and KV's own error when KV is unavailable.
 */
export async function deliverableBody(state: KVNamespace, event: RelayEvent): Promise<string> {
  const key = event.data.spilled;
  if (key === undefined) return JSON.stringify(event);
  const full = await state.get(key);
  if (full === null) throw new SpillMissingError(`the spilled payload ${key} of ${event.id} is not in KV`);
  return full;
}

/** The whole event, a spilled stub put back together (same errors as {@link deliverableBody}). */
export async function wholeEvent(state: KVNamespace, event: RelayEvent): Promise<RelayEvent> {
  return event.data.spilled === undefined ? event : (JSON.parse(await deliverableBody(state, event)) as RelayEvent);
}
