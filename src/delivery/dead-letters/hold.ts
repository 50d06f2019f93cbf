import type { RelayEvent } from "../../core/cloud-event";
import type { Env } from "../../core/env";
import { errorMessage } from "../../core/errors";
import { log } from "../../core/log";
import type { EventJournal } from "../../event-log/journal";
import { claimLetters } from "../../event-log/replay-claims";
import { kvPaceWait } from "../../lib/kv";
import type { DeliveryMessage } from "../../queue/messages";
import { type Burial, buryDelivery, type DeadVerdict, type GoneVerdict } from "../attempt";
import { isPaused, pausedTargets, pauseTarget } from "../pauses";
import type { RelayOutbox } from "../relay-events/outbox";
import { targetPaused } from "../relay-events/own-events";
import { DEAD_LETTER_PREFIX } from "./store";

const NOT_ATTEMPTED = "not attempted: the target is paused";

/**
 * The targets a batch found paused when it began, looked at again just before their deliveries
 * are kept (one bulk read): the batch's attempts to other targets may have taken up to a
 * target's timeout, and a resume in that time lists nothing to replay. Those still paused keep
 * the event for their resume; the ids of those resumed meanwhile are returned, to be queued
 * for delivery like any retry.
 */
export async function holdStillPaused(
  env: Env,
  event: RelayEvent,
  keptSince: number,
  held: readonly string[],
  served: Set<string>,
  journal: EventJournal | undefined,
): Promise<string[]> {
  if (held.length === 0) return [];
  const still = await pausedTargets(env.RELAY_STATE, held);
  for (const target of held.filter((id) => still.has(id))) {
    await holdWhilePaused(env, { event, target, firstAttemptAt: keptSince }, 0);
    journal?.notAttempted({ event, target }, 0, NOT_ATTEMPTED, "paused");
    served.add(target);
  }
  return held.filter((id) => !still.has(id));
}

/** A delivery not attempted because its target is paused: kept, to be replayed when the target resumes. */
export async function holdWhilePaused(env: Env, burial: Burial, attemptsMade: number): Promise<void> {
  await keepWhilePaused(env, burial, { attempts: attemptsMade, lastStatus: null, lastError: NOT_ATTEMPTED });
}

/**
 * The target answered `410 Gone`, or its chat bot refused for good (the bot's code and message are
 * the pause's reason): pause it (so the rest of this batch and every later
 * one sends it nothing), then keep this delivery for its resume.
 */
export async function pauseOnGone(
  env: Env,
  burial: Burial,
  verdict: GoneVerdict,
  paused: Set<string>,
  outbox?: RelayOutbox,
): Promise<void> {
  const inFlight = pausing.get(paused) ?? new Map<string, Promise<void>>();
  pausing.set(paused, inFlight);
  let pausingNow = inFlight.get(burial.target);
  // Two deliveries of one batch answered 410 together: the first writes the pause, the other waits
  // for that write (KV takes one write per key per second).
  if (pausingNow === undefined && !paused.has(burial.target)) {
    pausingNow = (async () => {
      const pause = await pauseTarget(env.RELAY_STATE, burial.target, "gone", Date.now(), verdict.reason);
      paused.add(burial.target);
      if (!pause.kept) outbox?.add(targetPaused(burial.target, pause, burial.event), burial.event);
      const reason = verdict.reason ?? "answered 410 Gone";
      log("target", { target: burial.target, outcome: "paused", reason, id: burial.event.id });
    })();
    inFlight.set(burial.target, pausingNow);
    pausingNow.then(
      () => inFlight.delete(burial.target),
      () => inFlight.delete(burial.target),
    );
  }
  await pausingNow;
  await keepWhilePaused(env, burial, verdict);
}

/** How long a kept delivery replayed by its keeper waits in the queue: over a second, KV's pace for one key. */
export const KEPT_REPLAY_DELAY_SECONDS = 2;

/** The pause writes in flight, per batch (its set of paused targets) and target. */
const pausing = new WeakMap<Set<string>, Map<string, Promise<void>>>();

/**
 * Keeps a delivery as a `paused` dead letter, then looks at the pause once more: a resume that
 * lifted it while the letter was being written listed the target's letters before this one
 * existed, and would never replay it. Then the delivery is queued again at once, as the resume
 * would have, naming the record so that the consumer taking it up removes it.
 */
export async function keepWhilePaused(env: Env, burial: Burial, verdict: Omit<DeadVerdict, "kind">): Promise<void> {
  const letter = await buryDelivery(env, burial, { ...verdict, reason: "paused" });
  if (await isPaused(env.RELAY_STATE, burial.target)) return;
  const keptAs = letter.id;
  const replay: DeliveryMessage = {
    kind: "delivery",
    event: burial.event,
    target: burial.target,
    attemptsBefore: 0,
    firstAttemptAt: Date.now(),
    keptAs,
  };
  // Not at once: the consumer taking it up deletes the record, and KV refuses a second write to a key
  // within a second of the first (the record would then stay, and the next resume send it again).
  try {
    await env.DELIVERIES_QUEUE.send(replay, { contentType: "json", delaySeconds: KEPT_REPLAY_DELAY_SECONDS });
  } catch (error) {
    // Not queued: the caller's retry sends the delivery itself, so the record must go (a later resume would
    // send it again), unless a resume or replay claimed it first and sends it (then it is served: no error).
    const claimant = { by: `keeper:${crypto.randomUUID()}`, at: Date.now() };
    if ((await claimLetters(env, [{ letter }], claimant)).length === 0) return;
    await kvPaceWait(); // the record was written just now
    await env.RELAY_STATE.delete(DEAD_LETTER_PREFIX + keptAs);
    throw error;
  }
  log("dead-letter", {
    id: burial.event.id,
    target: burial.target,
    deadLetter: keptAs,
    outcome: "replayed",
    reason: "the target was resumed while its delivery was being kept",
  });
}

/**
 * A delivery that replays a kept record ({@link DeliveryMessage.keptAs}) was delivered or is
 * queued for its next attempt: the record goes. (When it is kept again instead, the new record
 * replaces the old one under the same id.) A failed delete is only logged: the delivery is done.
 */
export async function forgetKept(env: Env, pending: DeliveryMessage): Promise<void> {
  if (pending.keptAs === undefined) return;
  try {
    await env.RELAY_STATE.delete(DEAD_LETTER_PREFIX + pending.keptAs);
  } catch (error) {
    log("dead-letter", {
      deadLetter: pending.keptAs,
      outcome: "delete-failed",
      reason: errorMessage(error),
    });
  }
}
