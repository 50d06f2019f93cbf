import type { RelayEvent } from "../core/cloud-event";
import { errorMessage } from "../core/errors";
import { BATCH_BYTES_BUDGET, QUEUE_BATCH_MESSAGES } from "../lib/limits";
import { type CallbackOrigin, spillCallback } from "./callback-spill";
import type { EventMessage, EventsMessage, QueueMessage } from "./messages";
import { fitEvent, MAX_MESSAGE_BYTES, messageBytes } from "./spill";

/**
 * Queues a callback's events durably with a single call, so the callback is accepted
 * whole or not at all, and the response path does a bounded amount of work however
 * many items the callback carries:
 * - one event: one `send` (its stub, after one KV write, if the event is too large);
 * - events that fit in one `sendBatch`: that `sendBatch`, one message per event;
 * - more (a callback with thousands of items): one {@link EventsMessage} carrying them
 *   all, or, after one KV write of the callback they came from (`origin`, about the size
 *   of the body however large its events are), naming it; the fan-out consumer splits it.
 * `dedupUntil` (ms) travels with each event: its dedup marker is kept at least until then.
 */
export async function enqueueEvents(
  queue: Queue<QueueMessage>,
  state: KVNamespace,
  events: readonly RelayEvent[],
  origin: CallbackOrigin,
  receivedAt: number,
  dedupUntil?: number,
): Promise<void> {
  const until = dedupUntil === undefined ? {} : { dedupUntil };
  const wrap = (event: RelayEvent): EventMessage => ({ kind: "event", event, receivedAt, ...until });
  const [only] = events;
  if (events.length === 1 && only !== undefined) {
    // A platform that sends the callback twice within a second spills the same event twice: KV refuses the second write.
    await queue.send(await fitEvent(state, only, wrap, "written-already"), { contentType: "json" });
    return;
  }
  if (events.length <= QUEUE_BATCH_MESSAGES) {
    const messages = events.map(wrap);
    const sizes = messages.map(messageBytes);
    const batches = intoBatches(messages, sizes);
    if (batches.length === 1 && batches[0] !== undefined && sizes.every((size) => size <= MAX_MESSAGE_BYTES)) {
      await queue.sendBatch(batches[0].map((body) => ({ body, contentType: "json" })));
      return;
    }
  }
  const count = events.length;
  const bundle: EventsMessage = fitTogether(events, wrap)
    ? { kind: "events", events: [...events], count, receivedAt, ...until }
    : { kind: "events", callback: await spillCallback(state, origin), count, receivedAt, ...until };
  await queue.send(bundle, { contentType: "json" });
}

/**
 * Whether the events fit in one message together: their messages' sizes added up, which is more than
 * the bundle's (each carries `kind` and `receivedAt`). The sum stops as soon as it passes the limit,
 * so a callback of 90,000 items is not serialized whole on the response path.
 */
function fitTogether(events: readonly RelayEvent[], wrap: (event: RelayEvent) => EventMessage): boolean {
  let total = 0;
  for (const event of events) {
    total += messageBytes(wrap(event));
    if (total > MAX_MESSAGE_BYTES) return false;
  }
  return true;
}

/**
 * Sends messages (each with its own delay, if any) in as few `sendBatch` calls as
 * Queues' limits allow, one after the other, in order. When one fails, the error says
 * how many were queued before it ({@link PartlySentError}).
 */
export async function sendInBatches(
  queue: Queue<QueueMessage>,
  requests: readonly MessageSendRequest<QueueMessage>[],
): Promise<void> {
  let sent = 0;
  for (const batch of intoBatches(
    requests,
    requests.map((request) => messageBytes(request.body)),
  )) {
    try {
      await queue.sendBatch(batch);
    } catch (error) {
      throw new PartlySentError(errorMessage(error), sent);
    }
    sent += batch.length;
  }
}

/** A {@link sendInBatches} that failed after `sent` messages were queued. */
export class PartlySentError extends Error {
  constructor(
    message: string,
    readonly sent: number,
  ) {
    super(message);
  }
}

/**
 * Messages grouped into batches of at most 100 and 241 KB (UTF-8 JSON, as Queues
 * counts). A message too large for a batch of its own still gets one, and `sendBatch`
 * refuses it: callers make every message fit first ({@link fitEvent}).
 */
function intoBatches<T>(messages: readonly T[], sizes: readonly number[]): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const [index, message] of messages.entries()) {
    const size = sizes[index] ?? 0;
    if (batch.length === QUEUE_BATCH_MESSAGES || (batch.length > 0 && bytes + size > BATCH_BYTES_BUDGET)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(message);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
