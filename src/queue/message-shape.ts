import { isRecord } from "../lib/json";

/** The event fields the consumers read without looking: the log's row, matching, dedup, the delivery's headers. */
const EVENT_TEXT_FIELDS = ["id", "type", "source", "time", "provider"] as const;

/**
 * Why the consumers cannot act on `message`, or `undefined` when they can. The relay writes every
 * message itself, so one that fails here was sent by hand or by another program (or by a version that
 * wrote another shape): it can never be delivered, and is logged and acknowledged on its own, where
 * one such message would otherwise fail the whole batch it came in and take its good messages with it.
 *
 * A time the relay always writes but does not need to deliver (`receivedAt`, `firstAttemptAt`) is
 * taken from the message's own timestamp when it is missing or no time, and a missing count of
 * attempts is 0: the message is kept and delivered with them, never lost for them.
 */
export function unreadableMessage(message: Message<unknown>): string | undefined {
  const body = message.body as Record<string, unknown> | null;
  if (!isRecord(body)) return "not a meeting-relay message";
  const sent = message.timestamp.getTime();
  switch (body.kind) {
    case "event":
      if (!isTime(body.receivedAt)) body.receivedAt = sent;
      return eventProblem(body.event);
    case "events":
      if (!isTime(body.receivedAt)) body.receivedAt = sent;
      if (!Array.isArray(body.events) && typeof body.callback !== "string" && typeof body.spilled !== "string") {
        return "a bundle without its events";
      }
      return undefined;
    case "delivery":
      if (!isTime(body.firstAttemptAt)) body.firstAttemptAt = sent;
      if (!Number.isSafeInteger(body.attemptsBefore) || (body.attemptsBefore as number) < 0) body.attemptsBefore = 0;
      if (typeof body.target !== "string") return "a delivery without its target";
      return eventProblem(body.event);
    default:
      return "not a meeting-relay message";
  }
}

/**
 * The longest event id a KV key takes after its longest prefix (`fanout:`; KV keys are at most 512
 * bytes). The relay's own ids are far shorter (src/providers/event-id.ts); a longer one would make
 * the batch's one bulk dedup read fail for every message in it.
 */
const MAX_EVENT_ID_BYTES = 512 - "fanout:".length;

/** What an event lacks, or `undefined`. */
function eventProblem(event: unknown): string | undefined {
  if (!isRecord(event)) return "a message without its event";
  const missing = EVENT_TEXT_FIELDS.find((field) => typeof event[field] !== "string");
  if (missing !== undefined) return `an event without a text ${missing}`;
  if (new TextEncoder().encode(event.id as string).byteLength > MAX_EVENT_ID_BYTES) {
    return `an event id longer than ${MAX_EVENT_ID_BYTES} bytes`;
  }
  if (!isRecord(event.data)) return "an event without its data";
  return undefined;
}

/** A time in ms that `Date` can show (what `new Date(t).toISOString()` takes without throwing). */
function isTime(value: unknown): value is number {
  return typeof value === "number" && Math.abs(value) <= 8.64e15;
}
