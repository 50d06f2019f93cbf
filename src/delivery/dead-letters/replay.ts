import type { RelayEvent } from "../../core/cloud-event";
import type { Env } from "../../core/env";
import { log } from "../../core/log";
import { claimLetters, releaseClaims, replayClaimant } from "../../event-log/replay-claims";
import type { DeliveryMessage, EventMessage } from "../../queue/messages";
import { fitEvent } from "../../queue/spill";
import { OperationBudget } from "../operation-budget";
import { KEPT_REPLAY_DELAY_SECONDS } from "./hold";
import { forget } from "./replay-batches";
import { ALL_TARGETS, DEAD_LETTER_PREFIX, type DeadLetter } from "./store";

/** The queue a replayed dead letter goes to. */
export type ReplayQueue = "EVENTS_QUEUE" | "DELIVERIES_QUEUE";

/**
 * Where a dead letter goes when it is sent again with a fresh schedule, and the message that
 * carries it: the pair on `DELIVERIES_QUEUE` as if it had never been tried (attempt 1 now); an
 * all-targets (`*`) letter back through fan-out on `EVENTS_QUEUE`.
 */
export function replayRoute(
  letter: Pick<DeadLetter, "target">,
  now: number,
): { queue: ReplayQueue; wrap: (event: RelayEvent) => EventMessage | DeliveryMessage } {
  if (letter.target === ALL_TARGETS) {
    return { queue: "EVENTS_QUEUE", wrap: (event) => ({ kind: "event", event, receivedAt: now }) };
  }
  return {
    queue: "DELIVERIES_QUEUE",
    wrap: (event) => ({ kind: "delivery", event, target: letter.target, attemptsBefore: 0, firstAttemptAt: now }),
  };
}

/**
 * A delivery replayed to its target waits in the queue a little over KV's second: when the target is still
 * paused, disabled or gone, the consumer taking it up keeps it again under the key the replay deletes just
 * after queuing it, and KV refuses a second write to one key within a second (the delivery would wait out an
 * error retry instead). An event replayed to every target is kept under other keys, and goes at once.
 */
export function replayPace(queue: ReplayQueue): { delaySeconds?: number } {
  return queue === "DELIVERIES_QUEUE" ? { delaySeconds: KEPT_REPLAY_DELAY_SECONDS } : {};
}

/**
 * Sends one dead letter again ({@link replayRoute}), then removes its record: only once the
 * message is durably queued; if it fails again it comes back under the same id. A letter another
 * replay has claimed ({@link claimLetters}) is that replay's to send: this one sends nothing. A letter
 * it could not queue is given back, so that trying again sends it.
 */
export async function replayDeadLetter(env: Env, letter: DeadLetter, now = Date.now()): Promise<void> {
  const line = { id: letter.event.id, target: letter.target, deadLetter: letter.id };
  const claimant = replayClaimant(now);
  if ((await claimLetters(env, [{ letter }], claimant)).length === 0) {
    log("dead-letter", { ...line, outcome: "claimed-by-another-replay" });
    return;
  }
  const { queue, wrap } = replayRoute(letter, now);
  let body: EventMessage | DeliveryMessage;
  try {
    // A dead letter holds the whole event; one too large for a queue message goes to KV again (a write KV
    // refuses as too soon is this event's own, a second ago: the replay of its letter for another target).
    body = await fitEvent(env.RELAY_STATE, letter.event, wrap, "written-already");
    await env[queue].send(body, { contentType: "json", ...replayPace(queue) });
  } catch (error) {
    await releaseClaims(env, [{ letter }], claimant);
    throw error;
  }
  log("dead-letter", { ...line, outcome: "replayed" });
  // Queued is what matters. A record KV will not delete yet (written less than a second ago) is marked
  // replayed, as a bulk replay marks it, so that no later replay sends it again once the claim lapses.
  await forget(env, { name: DEAD_LETTER_PREFIX + letter.id, letter, body, prepaid: true }, new OperationBudget());
}
