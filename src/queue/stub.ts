import type { EventData, RelayEvent } from "../core/cloud-event";
import { sha256Hex } from "../lib/crypto";

/** Text a stub keeps whole, in UTF-16 code units; anything longer is cut (see {@link stubOf}). */
export const STUB_TEXT_CHARS = 1024;
/** How much of a longer text a stub keeps, before `…` and the hash. */
const KEPT_CHARS = 1000;
/** Hex digits of the SHA-256 that stand for the part cut off. */
const HASH_HEX = 16;

/**
 * What the queue carries for an event spilled to KV under `key`: only what routing (type,
 * provider) and the event log's columns (id, source, type, subject, time) need, and `data` is
 * `{ spilled: key }`. Bounded whatever the platform sent: the id is already short and key-safe
 * (src/providers/event-id.ts), and every other text over 1,024 characters is cut to its first
 * 1,000, then `…` and the first 16 hex digits of the whole text's SHA-256, so two long values
 * stay apart in the log. A type that long is no real event name: prefix patterns such as
 * `yunhuni/*` still route it. Targets never see a stub: delivery reads the whole event back
 * from KV (`deliverableBody`), and a dead letter stores the whole event (`wholeEvent`).
 */
export async function stubOf(event: RelayEvent, key: string): Promise<RelayEvent> {
  // The whole `data` (with `raw`) is in KV; a stub's data is only where to find it.
  const data: Pick<EventData, "spilled"> = { spilled: key };
  return {
    specversion: event.specversion,
    id: event.id,
    source: await bounded(event.source),
    type: await bounded(event.type),
    ...(event.subject === undefined ? {} : { subject: await bounded(event.subject) }),
    time: await bounded(event.time),
    datacontenttype: event.datacontenttype,
    provider: event.provider,
    providerevent: await bounded(event.providerevent),
    data: data as EventData,
  };
}

async function bounded(text: string): Promise<string> {
  if (text.length <= STUB_TEXT_CHARS) return text;
  // Never end on the first half of a surrogate pair (it would serialize as a lone `\ud8xx`).
  const high = text.charCodeAt(KEPT_CHARS - 1);
  const kept = text.slice(0, high >= 0xd800 && high <= 0xdbff ? KEPT_CHARS - 1 : KEPT_CHARS);
  return `${kept}…${(await sha256Hex(text)).slice(0, HASH_HEX)}`;
}
