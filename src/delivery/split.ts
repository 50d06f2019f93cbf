import type { RelayEvent } from "../core/cloud-event";
import type { Env } from "../core/env";
import { errorMessage } from "../core/errors";
import { log } from "../core/log";
import { WAITS } from "../core/settings";
import { BATCH_BYTES_BUDGET, MESSAGE_OPERATION_BUDGET, QUEUE_BATCH_MESSAGES } from "../lib/limits";
import { callbackEvents } from "../queue/callback-spill";
import { PartlySentError, sendInBatches } from "../queue/enqueue";
import type { EventMessage, EventsMessage } from "../queue/messages";
import { MAX_MESSAGE_BYTES, messageBytes, spillEvent, spilledEvents } from "../queue/spill";

/** A split that could not finish (KV or Queues unavailable) tries again after this long. */
const SPLIT_RETRY_SECONDS = WAITS.splitRetrySeconds;
/**
 * How many of a bundle's events are already queued, when a split failed part way:
 * `split:<message id>` → a count, written only then and read only on a redelivery.
 */
const PROGRESS_PREFIX = "split:";
const PROGRESS_TTL_SECONDS = 7 * 86_400;
/**
 * The `sendBatch` calls and KV writes of spilled events one split invocation makes: the message's
 * budget less its other operations (reading the progress and the bundle, writing the progress,
 * queueing the continuation), so a callback of any number of items costs each invocation the same.
 */
export const SPLIT_PAGE_OPERATIONS = MESSAGE_OPERATION_BUDGET - 4;

/**
 * The events of one callback queued together ({@link EventsMessage}) become one
 * event message each on `EVENTS_QUEUE`, in as few `sendBatch` calls as Queues allows,
 * and then fan out like any other event. Off the response path, so a callback with
 * thousands of items costs the platform's request one send.
 */
export async function splitBundles(messages: readonly Message<EventsMessage>[], env: Env): Promise<void> {
  // One bundle after the other: a bundle's events are all held at once while it is split (a callback of
  // 90,000 items makes tens of MB of them), and a batch of ten at once could pass an isolate's 128 MB.
  for (const message of messages) {
    try {
      await splitBundle(message, env);
      message.ack();
    } catch (error) {
      log("fan-out", {
        outcome: "requeue",
        reason: `could not split ${message.body.count} events: ${errorMessage(error)}`,
        retryInSeconds: SPLIT_RETRY_SECONDS,
      });
      message.retry({ delaySeconds: SPLIT_RETRY_SECONDS });
    }
  }
}

/**
 * Queues one message per event of the bundle, a bounded page per invocation: what does not fit
 * in {@link SPLIT_PAGE_OPERATIONS} goes back on the queue as the same bundle with `from` moved on.
 * Throws when it cannot finish, after remembering how many are already queued so that a
 * redelivery skips them. The dead-letter queue uses it too: what it keeps of a bundle is its
 * events, queued.
 */
export async function splitBundle(message: Message<EventsMessage>, env: Env): Promise<void> {
  const bundle = message.body;
  const progressKey = PROGRESS_PREFIX + message.id;
  const done = message.attempts > 1 ? Number((await env.RELAY_STATE.get(progressKey)) ?? 0) : 0;
  const events = await bundleEvents(env.RELAY_STATE, bundle);
  const begin = (bundle.from ?? 0) + done;
  const wrap = (event: RelayEvent): EventMessage => ({
    kind: "event",
    event,
    receivedAt: bundle.receivedAt,
    ...(bundle.dedupUntil === undefined ? {} : { dedupUntil: bundle.dedupUntil }),
  });
  let queued = 0;
  try {
    const page = await pageFrom(env.RELAY_STATE, events, begin, wrap);
    try {
      await sendInBatches(
        env.EVENTS_QUEUE,
        page.map((body) => ({ body, contentType: "json" })),
      );
    } catch (error) {
      if (error instanceof PartlySentError) queued = error.sent;
      throw error;
    }
    queued = page.length;
    const next = begin + page.length;
    if (next < events.length) await env.EVENTS_QUEUE.send({ ...bundle, from: next }, { contentType: "json" });
    log("fan-out", {
      outcome: "split",
      events: page.length,
      ...(begin > 0 ? { from: begin } : {}),
      ...(next < events.length ? { continuesFrom: next } : {}),
      ...(done > 0 ? { skipped: done } : {}),
    });
  } catch (error) {
    if (queued > 0) {
      await env.RELAY_STATE.put(progressKey, String(done + queued), { expirationTtl: PROGRESS_TTL_SECONDS }).catch(
        (cause: Error) => log("fan-out", { outcome: "split-progress-failed", reason: cause.message }),
      );
    }
    throw error;
  }
}

/**
 * The bundle's events: carried in the message, made again from the callback in KV, or, for a bundle
 * queued by an earlier version, read from KV as they are. Each page of a split normalizes the whole
 * callback again: CPU the consumer has, where keeping its events would take KV values up to a hundred
 * times the callback's size.
 */
function bundleEvents(state: KVNamespace, bundle: EventsMessage): Promise<RelayEvent[]> | RelayEvent[] {
  if (bundle.events !== undefined) return bundle.events;
  if (bundle.callback !== undefined) return callbackEvents(state, bundle.callback, bundle.receivedAt);
  return spilledEvents(state, bundle.spilled ?? "");
}

/**
 * The event messages from `begin` that one invocation sends: as Queues' batches fill (100
 * messages, 241 KB), each new batch is a call, and each event too large for a message is a KV
 * write of its own before its stub is queued; the page ends before those would pass the budget.
 */
async function pageFrom(
  state: KVNamespace,
  events: readonly RelayEvent[],
  begin: number,
  wrap: (event: RelayEvent) => EventMessage,
): Promise<EventMessage[]> {
  const page: EventMessage[] = [];
  let operations = 0;
  let batchMessages = 0;
  let batchBytes = 0;
  for (const event of events.slice(begin)) {
    let message = wrap(event);
    if (messageBytes(message) > MAX_MESSAGE_BYTES) {
      // Its KV write, and room for the new batch its stub may start.
      if (operations + 2 > SPLIT_PAGE_OPERATIONS) break;
      message = wrap(await spillEvent(state, event));
      operations++;
    }
    const size = messageBytes(message);
    if (batchMessages === 0 || batchMessages === QUEUE_BATCH_MESSAGES || batchBytes + size > BATCH_BYTES_BUDGET) {
      if (operations + 1 > SPLIT_PAGE_OPERATIONS) break;
      operations++;
      batchMessages = 0;
      batchBytes = 0;
    }
    batchMessages++;
    batchBytes += size;
    page.push(message);
  }
  return page;
}
