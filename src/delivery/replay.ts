import type { Env } from "../env";
import { errorMessage } from "../errors";
import type { RelayEvent } from "../events";
import { log } from "../log";
import type { DeliveryMessage, EventMessage } from "../queue/messages";
import { fitEvent } from "../queue/spill";
import { ALL_TARGETS, type DeadLetter, deleteDeadLetter } from "./dead-letters";

/**
 * Sends a dead letter again with a fresh schedule, then removes its record. The
 * pair goes on `DELIVERIES_QUEUE` as if it had never been tried (attempt 1 now);
 * an all-targets (`*`) letter goes back through fan-out on `EVENTS_QUEUE`. The
 * record is removed only once the message is durably queued; if it fails again
 * it comes back under the same id.
 */
export async function replayDeadLetter(env: Env, letter: DeadLetter, now = Date.now()): Promise<void> {
  // A dead letter holds the whole event; one too large for a queue message goes to KV again.
  if (letter.target === ALL_TARGETS) {
    const wrap = (event: RelayEvent): EventMessage => ({ kind: "event", event, receivedAt: now });
    await env.EVENTS_QUEUE.send(await fitEvent(env.RELAY_STATE, letter.event, wrap), { contentType: "json" });
  } else {
    const wrap = (event: RelayEvent): DeliveryMessage => ({
      kind: "delivery",
      event,
      target: letter.target,
      attemptsBefore: 0,
      firstAttemptAt: now,
    });
    await env.DELIVERIES_QUEUE.send(await fitEvent(env.RELAY_STATE, letter.event, wrap), { contentType: "json" });
  }
  log("dead-letter", { id: letter.event.id, target: letter.target, deadLetter: letter.id, outcome: "replayed" });
  try {
    await deleteDeadLetter(env.RELAY_STATE, letter.id);
  } catch (error) {
    // Queued is what matters; a stale record is overwritten or deleted by hand.
    log("dead-letter", { deadLetter: letter.id, outcome: "delete-failed", reason: errorMessage(error) });
  }
}
