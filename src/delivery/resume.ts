import type { Env } from "../env";
import type { RelayEvent } from "../events";
import { log } from "../log";
import { sendInBatches } from "../queue/enqueue";
import type { DeliveryMessage } from "../queue/messages";
import { fitEvent } from "../queue/spill";
import { type DeadLetter, deleteDeadLetter, listDeadLetters } from "./dead-letters";
import { unpauseTarget } from "./pauses";

/** Cloudflare Queues: at most 100 messages in one `sendBatch`; KV: at most 1000 keys per list. */
const MAX_BATCH_MESSAGES = 100;
const LIST_PAGE = 1000;

/**
 * Resumes a target: unpauses it, then replays every dead letter it kept while paused,
 * oldest first, each with a fresh schedule, and each once (a record whose delete
 * failed is not sent again). A record is deleted only once its message is queued.
 * Returns how many were replayed.
 */
export async function resumeTarget(env: Env, targetId: string, now = Date.now()): Promise<number> {
  await unpauseTarget(env.RELAY_STATE, targetId);
  // A batch that read the pause just before it was lifted may still be keeping deliveries: look
  // again after each pass, and replay what appeared, until a pass finds nothing new.
  const replayed = new Set<string>();
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const fresh = (await keptWhilePaused(env.RELAY_STATE, targetId)).filter((letter) => !replayed.has(letter.id));
    if (fresh.length === 0) break;
    await replayInOrder(env, fresh.sort(oldestFirst), now);
    for (const letter of fresh) replayed.add(letter.id);
  }
  log("target", { target: targetId, outcome: "resumed", replayed: replayed.size });
  return replayed.size;
}

/** How many times a resume looks for kept deliveries; what a later batch keeps stays listed for the next resume. */
const MAX_PASSES = 3;

async function replayInOrder(env: Env, letters: readonly DeadLetter[], now: number): Promise<void> {
  for (let i = 0; i < letters.length; i += MAX_BATCH_MESSAGES) {
    const chunk = letters.slice(i, i + MAX_BATCH_MESSAGES);
    // Dead letters hold whole events: one too large for a queue message goes to KV again, and
    // the batches respect Queues' 256 KB as well as its 100 messages.
    const messages = await Promise.all(
      chunk.map((letter) => fitEvent(env.RELAY_STATE, letter.event, (event) => replayOf(letter, event, now))),
    );
    await sendInBatches(
      env.DELIVERIES_QUEUE,
      messages.map((body) => ({ body, contentType: "json" })),
    );
    await Promise.all(
      chunk.map((letter) =>
        deleteDeadLetter(env.RELAY_STATE, letter.id).catch((error: Error) =>
          // Queued is what matters; a stale record is overwritten when the pair is kept again, or deleted by hand.
          log("dead-letter", { deadLetter: letter.id, outcome: "delete-failed", reason: error.message }),
        ),
      ),
    );
  }
}

async function keptWhilePaused(state: KVNamespace, target: string): Promise<DeadLetter[]> {
  const kept: DeadLetter[] = [];
  let cursor: string | undefined;
  do {
    const page = await listDeadLetters(state, { target, cursor, limit: LIST_PAGE });
    kept.push(...page.items.filter((letter) => letter.reason === "paused"));
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
  return kept;
}

/** In the order the events reached the relay; the event's own time, then its id, break ties. */
function oldestFirst(a: DeadLetter, b: DeadLetter): number {
  return (
    byCodeUnits(a.firstAttemptAt, b.firstAttemptAt) ||
    byCodeUnits(a.event.time, b.event.time) ||
    byCodeUnits(a.event.id, b.event.id)
  );
}

/** ISO 8601 UTC times of one format sort as text. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function replayOf(letter: DeadLetter, event: RelayEvent, now: number): DeliveryMessage {
  return { kind: "delivery", event, target: letter.target, attemptsBefore: 0, firstAttemptAt: now };
}
