import type { Env } from "../env";
import { errorMessage } from "../errors";
import { log } from "../log";
import { PartlySentError, sendInBatches } from "../queue/enqueue";
import type { EventMessage, EventsMessage } from "../queue/messages";
import { fitEvent, spilledEvents } from "../queue/spill";

/** A split that could not finish (KV or Queues unavailable) tries again after this long. */
export const SPLIT_RETRY_SECONDS = 10;
/**
 * How many of a bundle's events are already queued, when a split failed part way:
 * `split:<message id>` → a count, written only then and read only on a redelivery.
 */
const PROGRESS_PREFIX = "split:";
const PROGRESS_TTL_SECONDS = 7 * 86_400;

/**
 * The events of one callback queued together ({@link EventsMessage}) become one
 * event message each on `EVENTS_QUEUE`, in as few `sendBatch` calls as Queues allows,
 * and then fan out like any other event. Off the response path, so a callback with
 * thousands of items costs the platform's request one send.
 */
export async function splitBundles(messages: readonly Message<EventsMessage>[], env: Env): Promise<void> {
  await Promise.all(
    messages.map(async (message) => {
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
    }),
  );
}

/**
 * Queues one message per event of the bundle; throws when it cannot finish, after
 * remembering how many are already queued so that a redelivery skips them.
 * The dead-letter queue uses it too: what it keeps of a bundle is its events, queued.
 */
export async function splitBundle(message: Message<EventsMessage>, env: Env): Promise<void> {
  const bundle = message.body;
  const progressKey = PROGRESS_PREFIX + message.id;
  const done = message.attempts > 1 ? Number((await env.RELAY_STATE.get(progressKey)) ?? 0) : 0;
  const events = bundle.events ?? (await spilledEvents(env.RELAY_STATE, bundle.spilled ?? ""));
  const wrap = (event: EventMessage["event"]): EventMessage => ({
    kind: "event",
    event,
    receivedAt: bundle.receivedAt,
    ...(bundle.dedupUntil === undefined ? {} : { dedupUntil: bundle.dedupUntil }),
  });
  try {
    const rest = await Promise.all(events.slice(done).map((event) => fitEvent(env.RELAY_STATE, event, wrap)));
    await sendInBatches(
      env.EVENTS_QUEUE,
      rest.map((body) => ({ body, contentType: "json" })),
    );
  } catch (error) {
    if (error instanceof PartlySentError && error.sent > 0) {
      await env.RELAY_STATE.put(progressKey, String(done + error.sent), { expirationTtl: PROGRESS_TTL_SECONDS }).catch(
        (cause: Error) => log("fan-out", { outcome: "split-progress-failed", reason: cause.message }),
      );
    }
    throw error;
  }
  log("fan-out", { outcome: "split", events: events.length, ...(done > 0 ? { skipped: done } : {}) });
}
