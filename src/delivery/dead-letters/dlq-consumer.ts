import { loadTargets, type Problem, type Target } from "../../config/targets";
import type { Env } from "../../core/env";
import { errorMessage } from "../../core/errors";
import { log } from "../../core/log";
import { settingsOf, WAITS } from "../../core/settings";
import { EventJournal } from "../../event-log/journal";
import { BATCH_BYTES_BUDGET, INLINE_TARGETS_PER_EVENT } from "../../lib/limits";
import { sendInBatches } from "../../queue/enqueue";
import { unreadableMessage } from "../../queue/message-shape";
import type { DeliveryMessage, EventMessage, EventsMessage, QueueMessage } from "../../queue/messages";
import { messageBytes, spillEvent } from "../../queue/spill";
import { boundedText } from "../../queue/stub";
import { buryDelivery } from "../attempt";
import { seenBefore, servedTargets } from "../dedup";
import { targetWants } from "../match";
import { pausedTargets } from "../pauses";
import { RelayOutbox } from "../relay-events/outbox";
import { splitBundle } from "../split";
import { keepWhilePaused } from "./hold";
import { ALL_TARGETS, DEAD_LETTER_PREFIX, deadLetterId } from "./store";

/** The queue Cloudflare moves a message to once it has used up its queue's `max_retries`. */
export const DEAD_LETTER_QUEUE = "meeting-relay-dlq";
/** A dead letter that could not be stored (KV unavailable) is tried again after this long. */
const STORE_RETRY_SECONDS = WAITS.deadLetterStoreRetrySeconds;
/**
 * The last try Queues gives a message of this queue: its `max_retries` (100 in
 * wrangler.toml) plus one. The queue has no dead-letter queue of its own, so after
 * this try Queues deletes the message.
 */
export const DLQ_LAST_TRY = 101;

/**
 * Consumer of `meeting-relay-dlq`: nothing that reaches it is dropped silently.
 * - A delivery (event, target) becomes a dead letter for that target.
 * - An event that never finished its fan-out becomes one dead letter per matching
 *   target that does not have it yet; when the targets document cannot be read,
 *   one dead letter for all targets (`*`), whose replay fans the event out again.
 * - A callback's events that were never split are split again onto `EVENTS_QUEUE`
 *   (thousands of dead letters would take as many KV writes); each event then fans
 *   out, or comes back here on its own.
 * - Anything else (a message the relay did not write, or one without its event) is logged whole
 *   with its message id and acknowledged.
 * A message that cannot be stored (KV unavailable) is retried every minute; on its
 * last try it is logged whole (`"outcome":"lost"`, the message under `message`), so
 * an operator can still recover the event from the log.
 */
export async function handleDeadLetterQueue(batch: MessageBatch<QueueMessage>, env: Env): Promise<void> {
  // What was kept is written to the event log too, once for the batch, after every ack and retry.
  const journal = new EventJournal();
  // Deliveries given up here are reported (`relay.delivery.dead`) once for the batch, after every ack and retry.
  const outbox = new RelayOutbox();
  // KV takes one write per key per second: a second message of the batch about the same event
  // would write the same dead letter again at once, so it comes back in a minute instead.
  const events = new Set<string>();
  // Bundles are split one after the other, as the fan-out consumer splits them: each holds all its
  // events at once (a callback of 90,000 items makes tens of MB), and ten at once could pass 128 MB.
  let splitting: Promise<unknown> = Promise.resolve();
  const splitInTurn = (message: Message<EventsMessage>) => {
    const split = splitting.then(() => splitBundle(message, env));
    splitting = split.catch(() => {});
    return split;
  };
  await Promise.all(
    batch.messages.map(async (message) => {
      const unreadable = unreadableMessage(message);
      if (unreadable !== undefined) {
        // Logged whole: nothing else keeps it, and an operator may still make sense of it.
        const line = { queue: batch.queue, messageId: message.id, outcome: "discarded" };
        log("dead-letter", { ...line, reason: unreadable, message: message.body });
        message.ack();
        return;
      }
      const body = message.body as QueueMessage;
      const eventId = "event" in body ? body.event.id : undefined;
      if (eventId !== undefined && events.has(eventId)) {
        log("dead-letter", {
          queue: batch.queue,
          messageId: message.id,
          id: eventId,
          outcome: "deferred",
          reason: "another message of this batch keeps the same event",
          retryInSeconds: STORE_RETRY_SECONDS,
        });
        message.retry({ delaySeconds: STORE_RETRY_SECONDS });
        return;
      }
      if (eventId !== undefined) events.add(eventId);
      try {
        if (body.kind === "delivery") await buryExhaustedDelivery(body, env, journal, outbox);
        else if (body.kind === "event") await buryExhaustedEvent(body, env, journal, outbox);
        else await splitInTurn(message as Message<EventsMessage>);
        message.ack();
      } catch (error) {
        const line = { queue: batch.queue, messageId: message.id, id: eventId };
        const reason = errorMessage(error);
        if (message.attempts >= DLQ_LAST_TRY) {
          log("dead-letter", { ...line, outcome: "lost", reason, attempts: message.attempts, message: body });
          message.ack();
          return;
        }
        log("dead-letter", { ...line, outcome: "store-failed", reason, retryInSeconds: STORE_RETRY_SECONDS });
        message.retry({ delaySeconds: STORE_RETRY_SECONDS });
      }
    }),
  );
  if (outbox.size > 0) {
    const loaded = await loadTargetsSafely(env);
    if (loaded.ok) await outbox.flush(env, loaded.targets);
    else
      log("relay-event", {
        outcome: "lost",
        reason: `targets could not be read: ${loaded.reason}`,
        queue: batch.queue,
      });
  }
  await journal.flush(env.RELAY_LOG);
}

const EXHAUSTED = "the queue's max_retries ran out; the delivery log lines have each attempt";

async function buryExhaustedDelivery(
  pending: DeliveryMessage,
  env: Env,
  journal: EventJournal,
  outbox: RelayOutbox,
): Promise<void> {
  // A paused target's delivery is kept for its resume, like every other delivery it misses.
  const paused = (await pausedTargets(env.RELAY_STATE, [pending.target])).has(pending.target);
  const lastError = `moved to ${DEAD_LETTER_QUEUE}: ${EXHAUSTED}`;
  const verdict = { attempts: pending.attemptsBefore, lastStatus: null, lastError };
  await (paused ? keepWhilePaused(env, pending, verdict) : buryDelivery(env, pending, verdict, outbox));
  journal.notAttempted(pending, pending.attemptsBefore, lastError, paused ? "paused" : "dead");
}

async function buryExhaustedEvent(
  { event, receivedAt }: EventMessage,
  env: Env,
  journal: EventJournal,
  outbox: RelayOutbox,
): Promise<void> {
  if (await seenBefore(env.RELAY_STATE, event.id)) {
    log("dead-letter", { id: event.id, outcome: "duplicate", reason: "the event was already fanned out" });
    return;
  }
  const verdict = { attempts: 0, lastStatus: null, lastError: `fan-out never finished: ${EXHAUSTED}` };
  const loaded = await loadTargetsSafely(env);
  journal.accepted(event, receivedAt);
  if (!loaded.ok) {
    const lastError = `${verdict.lastError}; targets could not be read: ${loaded.reason}`;
    const burial = { event, target: ALL_TARGETS, firstAttemptAt: receivedAt };
    await buryDelivery(env, burial, { ...verdict, lastError }, outbox);
    journal.notAttempted({ event, target: ALL_TARGETS }, 0, lastError, "dead");
    return;
  }
  // Kept as `*` on an earlier try (the same message again, or a copy): that letter covers every target, and
  // letters per target beside it would have a bulk replay send the event twice to each.
  if ((await env.RELAY_STATE.get(DEAD_LETTER_PREFIX + (await deadLetterId(ALL_TARGETS, event.id)))) !== null) {
    log("dead-letter", { id: event.id, outcome: "duplicate", reason: "the event is kept for every target already" });
    return;
  }
  const served = await servedTargets(env.RELAY_STATE, event.id);
  const wanted = loaded.targets.filter((target) => targetWants(target, event) && !served.has(target.id));
  if (wanted.length === 0) {
    log("unrouted", {
      id: event.id,
      type: event.type,
      provider: event.provider,
      outcome: "unrouted",
      reason: served.size > 0 ? "every matching target already has it" : "no enabled target matches",
      queue: DEAD_LETTER_QUEUE,
    });
    return;
  }
  // What one message may keep itself; the other pairs go to the retry consumer, which keeps each.
  const kept = wanted.slice(0, INLINE_TARGETS_PER_EVENT);
  await handOn(env, event, receivedAt, wanted.slice(INLINE_TARGETS_PER_EVENT), verdict.lastError);
  const paused = await pausedTargets(
    env.RELAY_STATE,
    kept.map((target) => target.id),
  );
  for (const target of kept) {
    const reason = paused.has(target.id) ? "paused" : "failed";
    const burial = { event, target: target.id, firstAttemptAt: receivedAt };
    await (reason === "paused" ? keepWhilePaused(env, burial, verdict) : buryDelivery(env, burial, verdict, outbox));
    journal.notAttempted({ event, target: target.id }, 0, verdict.lastError, reason === "paused" ? "paused" : "dead");
  }
}

/**
 * Pairs this message cannot keep within its share of the invocation: one delivery message each
 * (a large event goes to KV once and they carry its stub), kept by the retry consumer unattempted.
 */
async function handOn(
  env: Env,
  event: EventMessage["event"],
  firstAttemptAt: number,
  targets: readonly Target[],
  lastError: string,
): Promise<void> {
  if (targets.length === 0) return;
  const carried =
    messageBytes(event) * targets.length > BATCH_BYTES_BUDGET ? await spillEvent(env.RELAY_STATE, event) : event;
  await sendInBatches(
    env.DELIVERIES_QUEUE,
    targets.map((target) => ({
      body: {
        kind: "delivery",
        event: carried,
        target: target.id,
        attemptsBefore: 0,
        firstAttemptAt,
        exhausted: lastError,
      } satisfies DeliveryMessage,
      contentType: "json",
    })),
  );
  log("dead-letter", { id: event.id, outcome: "handed-on", targets: targets.length });
}

/** The current targets, or why they cannot be had (invalid document, bad settings, KV unavailable). */
async function loadTargetsSafely(env: Env): Promise<{ ok: true; targets: Target[] } | { ok: false; reason: string }> {
  try {
    const loaded = await loadTargets(env, settingsOf(env));
    if (loaded.ok) return loaded;
    return { ok: false, reason: await problemsInBrief(loaded.problems) };
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
}

/**
 * What a dead letter says of an invalid document: its first problem and how many more. A document stored by
 * hand can have hundreds of thousands (600 KB of `0`s make 30 MB of them), which in one record would pass
 * the 25 MiB KV takes as a value, and the event would never be kept.
 */
async function problemsInBrief(problems: readonly Problem[]): Promise<string> {
  const [first] = problems;
  if (first === undefined) return "invalid targets";
  const more = problems.length - 1;
  const brief = await boundedText(`${first.path}: ${first.message}`);
  return more === 0 ? brief : `${brief} (and ${more} more ${more === 1 ? "problem" : "problems"})`;
}
