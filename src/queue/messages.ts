import type { RelayEvent } from "../core/cloud-event";

/** Ingest → fan-out: one normalized event, not yet deduplicated. */
export interface EventMessage {
  kind: "event";
  event: RelayEvent;
  /** When the relay acknowledged the platform (ms). */
  receivedAt: number;
  /** Keep the event's dedup marker at least until then (ms): an exact replay verifies until then. */
  dedupUntil?: number;
}

/**
 * Ingest → fan-out: the events of one callback that do not fit in one `sendBatch`
 * (thousands of items, or a few very large ones). Queued with a single send, so the
 * callback is accepted whole or not at all; the fan-out consumer splits it into one
 * {@link EventMessage} per event. Carries the events, or, when they are too large for
 * one message, the KV key of the callback they are made from (`callback`).
 */
export interface EventsMessage {
  kind: "events";
  events?: RelayEvent[];
  /** The KV key of the callback the events are made from (src/queue/callback-spill.ts). */
  callback?: string;
  /** The KV key of the events themselves, as one JSON array: what bundles queued by earlier versions carry. */
  spilled?: string;
  count: number;
  /** Where the split goes on: the events before this index are queued already (src/delivery/split.ts). */
  from?: number;
  receivedAt: number;
  /** As {@link EventMessage.dedupUntil}, for every event of the bundle. */
  dedupUntil?: number;
}

/** One (event, target) pair that still needs delivering; retried on its own. */
export interface DeliveryMessage {
  kind: "delivery";
  event: RelayEvent;
  target: string;
  /** Attempts made before this message was sent (the inline first attempt, or 0 for a replay). */
  attemptsBefore: number;
  /** The first attempt's time (ms), for dead letters. */
  firstAttemptAt: number;
  /**
   * The id of the `paused` dead letter this message replays, when the consumer that kept it saw
   * its target resumed right after writing it: the consumer that takes the message up removes
   * the record (KV takes one write per key per second, so the writer cannot delete it at once).
   */
  keptAs?: string;
  /**
   * Set by the dead-letter queue for a pair it hands on instead of keeping it itself (an event whose
   * fan-out never finished, with more matching targets than one message may keep): the retry consumer
   * keeps it as a dead letter with this error, without attempting it.
   */
  exhausted?: string;
  /**
   * An operator asked for this delivery (a redelivery from the admin API): its attempts are marked
   * `manual` in the event log, and its retries keep the mark.
   */
  manual?: boolean;
}

export type QueueMessage = EventMessage | EventsMessage | DeliveryMessage;
