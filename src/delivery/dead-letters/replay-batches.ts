import type { RelayEvent } from "../../core/cloud-event";
import type { Env } from "../../core/env";
import { errorMessage } from "../../core/errors";
import { log } from "../../core/log";
import { refusedAsTooSoon } from "../../lib/kv";
import { BATCH_BYTES_BUDGET, QUEUE_BATCH_MESSAGES } from "../../lib/limits";
import type { DeliveryMessage, EventMessage } from "../../queue/messages";
import { fitEvent, MAX_MESSAGE_BYTES, messageBytes } from "../../queue/spill";
import type { OperationBudget } from "../operation-budget";
import { KEPT_REPLAY_DELAY_SECONDS } from "./hold";
import { type ReplayQueue, replayPace, replayRoute } from "./replay";
import { ALL_TARGETS, DEAD_LETTER_PREFIX, type DeadLetter, markReplayed } from "./store";

/** What one letter can cost at most: its delete, the spill of an event too large for a message, a batch of its own. */
export const LETTER_AT_MOST = 3;

/** A queue refused a batch part way through a replay; `replayed` letters were queued and removed before it. */
export class ReplayInterruptedError extends Error {
  constructor(
    message: string,
    readonly replayed: number,
  ) {
    super(message);
  }
}

interface Item {
  name: string;
  letter: DeadLetter;
  body: EventMessage | DeliveryMessage;
  /** Operations paid for ahead: what a record KV will not delete yet costs ({@link forget}). */
  prepaid: boolean;
}

/** A letter last written this recently may be refused its delete (KV's pace, give or take the clocks). */
const FRESH_MS = 5_000;

interface Batch {
  queue: ReplayQueue;
  items: Item[];
  bytes: number;
}

/**
 * Sends `letters` (a dead letter and its KV key each) again, in this order, as far as `budget`
 * goes, and removes each record once the batch carrying its message is queued, adding its key to
 * `sent`. Returns how many were replayed; throws {@link ReplayInterruptedError} when a queue
 * refuses a batch.
 */
export async function replayInOrder(
  env: Env,
  letters: readonly { name: string; letter: DeadLetter }[],
  budget: OperationBudget,
  stubs: Map<string, RelayEvent>,
  now: number,
  sent: Set<string>,
): Promise<number> {
  const batches: Batch[] = [];
  const open = new Map<ReplayQueue, Batch>();
  for (const { name, letter } of letters) {
    const { queue, wrap } = replayRoute(letter, now);
    let body = wrap(letter.event);
    if (messageBytes(body) > MAX_MESSAGE_BYTES) {
      const stub = stubs.get(letter.event.id);
      if (stub !== undefined) body = wrap(stub);
      else {
        if (!budget.allows(LETTER_AT_MOST)) break;
        // Dead letters hold whole events: one too large for a queue message goes to KV again (a write KV refuses
        // as too soon is this event's own, a second ago: a replay of its letter for another target).
        budget.spend();
        body = await fitEvent(env.RELAY_STATE, letter.event, wrap, "written-already");
        stubs.set(letter.event.id, body.event);
      }
    }
    const bytes = messageBytes(body);
    let batch = open.get(queue);
    const fits =
      batch !== undefined && batch.items.length < QUEUE_BATCH_MESSAGES && batch.bytes + bytes <= BATCH_BYTES_BUDGET;
    const prepaid = letter.target !== ALL_TARGETS && now - Date.parse(letter.lastAttemptAt) < FRESH_MS;
    const cost = (fits ? 1 : 2) + (prepaid ? 2 : 0);
    if (!budget.allows(cost)) break;
    budget.spend(cost);
    if (batch === undefined || !fits) {
      batch = { queue, items: [], bytes: 0 };
      open.set(queue, batch);
      batches.push(batch);
    }
    batch.items.push({ name, letter, body, prepaid });
    batch.bytes += bytes;
  }
  let replayed = 0;
  for (const batch of batches) {
    try {
      await env[batch.queue].sendBatch(
        batch.items.map(({ body }) => ({ body, contentType: "json", ...replayPace(batch.queue) })),
      );
    } catch (error) {
      throw new ReplayInterruptedError(errorMessage(error), replayed);
    }
    for (const { name } of batch.items) sent.add(name);
    await Promise.all(batch.items.map((item) => forget(env, item, budget)));
    replayed += batch.items.length;
  }
  return replayed;
}

/**
 * Queued is what matters: a record whose delete failed is logged, and a later replay sends it again. One
 * KV would not delete because it was written less than a second ago (kept by a retry consumer just as its
 * target was resumed) is marked replayed, and a replay naming it is queued two seconds on (two more
 * operations, paid for ahead for a letter that recent): the consumer taking that up, or the replay its
 * keeper may have queued, finds the mark and removes the record instead of sending it again; until then
 * later pages, resumes and bulk replays pass it over.
 */
export async function forget(env: Env, { name, letter, body, prepaid }: Item, budget: OperationBudget): Promise<void> {
  const state = env.RELAY_STATE;
  let failure: unknown;
  try {
    await state.delete(name);
    return;
  } catch (error) {
    failure = error;
  }
  const line = { deadLetter: name.slice(DEAD_LETTER_PREFIX.length), outcome: "delete-failed" };
  if (refusedAsTooSoon(failure) && letter.target !== ALL_TARGETS && (prepaid || budget.allows(2))) {
    if (!prepaid) budget.spend(2);
    try {
      await markReplayed(state, line.deadLetter, letter.lastAttemptAt);
      log("dead-letter", { ...line, reason: errorMessage(failure), marked: "replayed" });
      const removal: DeliveryMessage = { ...(body as DeliveryMessage), keptAs: line.deadLetter };
      await env.DELIVERIES_QUEUE.send(removal, { contentType: "json", delaySeconds: KEPT_REPLAY_DELAY_SECONDS });
      return;
    } catch (error) {
      failure = error;
    }
  }
  log("dead-letter", { ...line, reason: errorMessage(failure) });
}
