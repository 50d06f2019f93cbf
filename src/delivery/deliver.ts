import type { Env } from "../core/env";
import { errorMessage } from "../core/errors";
import { log } from "../core/log";
import { WAITS } from "../core/settings";
import { claimLetters } from "../event-log/replay-claims";
import type { DeliveryMessage } from "../queue/messages";
import { deliverableBody } from "../queue/spill";
import { attemptDelivery, buryDelivery } from "./attempt";
import type { BatchContext } from "./batch";
import { forgetKept, holdWhilePaused, keepWhilePaused, pauseOnGone } from "./dead-letters/hold";
import { DEAD_LETTER_PREFIX, deadLetterFrom, REPLAYED_PREFIX } from "./dead-letters/store";
import { pausedTargets } from "./pauses";

/** After an unexpected error (a KV outage while burying, say), the pair comes back after this long. */
const ERROR_RETRY_SECONDS = WAITS.errorRetrySeconds;

/**
 * Retries and replays: one (event, target) pair per message. The message carries
 * the number of real attempts made so far; after a failed attempt the pair goes
 * back on the queue as a new message with the count raised and the schedule's
 * delay. Queues' own `message.attempts` is never used: it also counts the
 * redeliveries forced by an invalid targets document or a KV outage, which are not
 * attempts and must not use up the schedule.
 */
export async function deliverQueued(
  messages: readonly Message<DeliveryMessage>[],
  { targets, env, settings, paused, journal, outbox, connections }: BatchContext,
): Promise<void> {
  const byId = new Map(targets.map((target) => [target.id, target]));
  // The pause of the targets about to be kept is read again first (once, in bulk): a resume
  // since the batch began finds nothing to replay, so a delivery kept now would be stranded.
  const stillPaused = await pausedNow(env, messages, paused);
  // Records removed by this batch: the resume and the keeper may each have queued a replay naming one.
  const removed = new Set<string>();
  // Pairs this batch keeps as dead letters. Two messages of a batch can carry one pair (a retry and an
  // operator's redelivery): both would write its one record, and KV takes one write per key per second.
  const keeping = new Set<string>();
  /** Whether the message keeps its pair; when another of the batch does already, it is acknowledged. */
  const keeps = (message: Message<DeliveryMessage>): boolean => {
    const { event, target } = message.body;
    const pair = JSON.stringify([event.id, target]);
    if (!keeping.has(pair)) {
      keeping.add(pair);
      return true;
    }
    log("delivery", { id: event.id, target, outcome: "skipped", reason: KEPT_BY_ANOTHER });
    message.ack();
    return false;
  };
  await Promise.all(
    messages.map(async (message) => {
      const pending = message.body;
      const attempt = pending.attemptsBefore + 1;
      try {
        const kept = pending.keptAs === undefined ? "kept" : await keptState(env, pending.keptAs, message.id);
        if (kept === "claimed") {
          // A resume or replay listed the record meanwhile and is sending it itself.
          log("delivery", { id: pending.event.id, target: pending.target, outcome: "skipped", reason: KEPT_CLAIMED });
          message.ack();
          return;
        }
        if (kept !== "kept") {
          // A resume listed the record meanwhile and replayed it itself (or an operator discarded it); one
          // that KV would not let it delete yet is marked replayed, and goes now (once a batch). Sent already,
          // it is not kept again, whatever became of the target since.
          if (kept === "replayed" && !removed.has(pending.keptAs as string)) {
            removed.add(pending.keptAs as string);
            await forgetKept(env, pending);
          }
          log("delivery", { id: pending.event.id, target: pending.target, outcome: "skipped", reason: KEPT_GONE });
          message.ack();
          return;
        }
        const target = byId.get(pending.target);
        if (target === undefined || target.enabled === false) {
          if (!keeps(message)) return;
          const lastError = target === undefined ? "target is no longer configured" : "target is disabled";
          const reason = target === undefined ? "removed" : "disabled";
          await buryDelivery(env, pending, { attempts: attempt - 1, lastStatus: null, lastError, reason });
          journal?.notAttempted(pending, attempt - 1, lastError, "dead");
          message.ack();
          return;
        }
        if (stillPaused instanceof Error) throw stillPaused;
        if (pending.exhausted !== undefined) {
          if (!keeps(message)) return;
          const verdict = { attempts: pending.attemptsBefore, lastStatus: null, lastError: pending.exhausted };
          const keep = stillPaused.has(target.id);
          await (keep ? keepWhilePaused(env, pending, verdict) : buryDelivery(env, pending, verdict, outbox));
          journal?.notAttempted(pending, pending.attemptsBefore, pending.exhausted, keep ? "paused" : "dead");
          message.ack();
          return;
        }
        if (stillPaused.has(target.id)) {
          if (!keeps(message)) return;
          await holdWhilePaused(env, pending, attempt - 1);
          journal?.notAttempted(pending, attempt - 1, "not attempted: the target is paused", "paused");
          message.ack();
          return;
        }
        const verdict = await attemptDelivery(target, {
          env,
          event: pending.event,
          body: await deliverableBody(env.RELAY_STATE, pending.event),
          attempt,
          firstAttemptAt: pending.firstAttemptAt,
          settings,
          journal,
          manual: pending.manual,
          connections,
        });
        if (verdict.kind === "delivered") await forgetKept(env, pending);
        if (verdict.kind === "retry") {
          const { keptAs: _replayed, ...next } = pending;
          // The record goes once the next attempt is queued: a message the queue sends back still names it.
          if (await requeue(env, message, { ...next, attemptsBefore: verdict.attempts }, verdict.delaySeconds))
            await forgetKept(env, pending);
          return;
        }
        if ((verdict.kind === "dead" || verdict.kind === "gone") && !keeps(message)) return;
        if (verdict.kind === "dead") await buryDelivery(env, pending, verdict, outbox);
        if (verdict.kind === "gone") await pauseOnGone(env, pending, verdict, paused, outbox);
        message.ack();
      } catch (error) {
        log("delivery", {
          id: pending.event.id,
          target: pending.target,
          attempt,
          outcome: "error",
          reason: errorMessage(error),
          retryInSeconds: ERROR_RETRY_SECONDS,
        });
        message.retry({ delaySeconds: ERROR_RETRY_SECONDS });
      }
    }),
  );
}

const KEPT_BY_ANOTHER = "another message of this batch keeps the same delivery";
const KEPT_GONE = "its kept record was replayed by a resume or discarded meanwhile";
const KEPT_CLAIMED = "its kept record is being replayed by a resume or a replay";

/**
 * Whether the record a replay names is still there to send: a delivery its keeper queued again (its target
 * was resumed while it was being kept) races the resume itself, which may list the record, replay it and
 * remove it (`gone`), or, when KV would not let it delete the record yet, mark it replayed (`replayed`);
 * only one of the two may send. One bulk read; a record still there to send is claimed as a replay claims
 * it (one D1 statement, as `message:<id>`, which a retry of this message takes again): a resume or replay
 * that claimed it first, and has not removed or marked it yet, sends it instead (`claimed`).
 */
async function keptState(
  env: Env,
  keptAs: string,
  messageId: string,
): Promise<"kept" | "gone" | "replayed" | "claimed"> {
  const keys = [DEAD_LETTER_PREFIX + keptAs, REPLAYED_PREFIX + keptAs] as const;
  const found = await env.RELAY_STATE.get([...keys], "text");
  const record = found.get(keys[0]);
  if (record == null) return "gone";
  const replayed = found.get(keys[1]);
  const lastAttemptAt = deadLetterFrom(record)?.lastAttemptAt;
  // A record kept again since it was replayed is newer than the mark: it is still to send.
  if (replayed != null && lastAttemptAt === replayed) return "replayed";
  if (lastAttemptAt === undefined) return "kept";
  const letter = { id: keptAs, lastAttemptAt };
  const claimed = await claimLetters(env, [{ letter }], { by: `message:${messageId}`, at: Date.now() });
  return claimed.length === 0 ? "claimed" : "kept";
}

/** Which of the batch's paused targets its deliveries name are paused still; the error when KV cannot say. */
async function pausedNow(
  env: Env,
  messages: readonly Message<DeliveryMessage>[],
  paused: Set<string>,
): Promise<Set<string> | Error> {
  const held = [...new Set(messages.map((message) => message.body.target))].filter((id) => paused.has(id));
  if (held.length === 0) return new Set();
  const still = await pausedTargets(env.RELAY_STATE, held).catch((error: Error) => error);
  // Resumed since the batch began: a 410 from it now pauses it again ({@link pauseOnGone} skips the batch's paused).
  if (!(still instanceof Error)) for (const id of held) if (!still.has(id)) paused.delete(id);
  return still;
}

/**
 * Queues the next attempt as a new message carrying the count, then acknowledges
 * this one. If the queue cannot take it, this message comes back after the same
 * delay instead, and the attempt is made again under the same number. Whether it was queued.
 */
async function requeue(
  env: Env,
  message: Message<DeliveryMessage>,
  next: DeliveryMessage,
  delaySeconds: number,
): Promise<boolean> {
  try {
    await env.DELIVERIES_QUEUE.send(next, { contentType: "json", delaySeconds });
  } catch (error) {
    log("delivery", {
      id: next.event.id,
      target: next.target,
      attempt: next.attemptsBefore,
      outcome: "requeue-failed",
      reason: errorMessage(error),
      retryInSeconds: delaySeconds,
    });
    message.retry({ delaySeconds });
    return false;
  }
  message.ack();
  return true;
}
