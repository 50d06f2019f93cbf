import type { RelayEvent } from "../events";

/** Ingest → fan-out: one normalized event, not yet deduplicated. */
export interface EventMessage {
  kind: "event";
  event: RelayEvent;
  /** When the relay acknowledged the platform (ms). */
  receivedAt: number;
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
}

export type QueueMessage = EventMessage | DeliveryMessage;
