import type { EventData, RelayEvent } from "../core/cloud-event";
import { cutText } from "../lib/cut-text";

/** Text a stub keeps whole, in UTF-16 code units; anything longer is cut (see {@link stubOf}). */
export const STUB_TEXT_CHARS = 1024;
/** How much of a longer text a stub keeps, before `…` and the hash. */
const KEPT_CHARS = 1000;

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
    source: await boundedText(event.source),
    type: await boundedText(event.type),
    ...(event.subject === undefined ? {} : { subject: await boundedText(event.subject) }),
    time: await boundedText(event.time),
    datacontenttype: event.datacontenttype,
    provider: event.provider,
    providerevent: await boundedText(event.providerevent),
    data: data as EventData,
  };
}

/** A text cut as a stub's texts are: over 1,024 characters, its first 1,000, then `…` and a hash of the whole. */
export function boundedText(text: string): Promise<string> {
  return cutText(text, STUB_TEXT_CHARS, KEPT_CHARS);
}
