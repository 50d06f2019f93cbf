import type { RelayEvent } from "../../core/cloud-event";
import type { Env } from "../../core/env";
import { KV_BULK_GET_KEYS, KV_LIST_KEYS } from "../../lib/limits";
import type { OperationBudget } from "../operation-budget";
import { LETTER_AT_MOST, ReplayInterruptedError, replayInOrder } from "./replay-batches";
import {
  type DeadLetter,
  type DeadLetterMetadata,
  deadLetterFrom,
  hasMetadata,
  isWanted,
  type LetterFilter,
  mayBeWanted,
} from "./store";

export interface ReplayProgress {
  replayed: number;
  /** Letters may be left that the operation budget did not reach: call again to carry on. */
  remaining: boolean;
}

/**
 * Replays the dead letters under `prefix` that `filter` wants, page by page, within what `budget`
 * has left: one KV list per 1,000 keys (the keys' metadata skips unwanted letters unread), one
 * bulk read per 100 letters, their messages in as few `sendBatch` calls as Queues allows, and one
 * delete per replayed record, made once its message is queued. Within a page the letters go
 * oldest first. It stops where the next letter would not fit in the budget; what it did not reach
 * is kept, and the next call starts over from the first key, where the replayed records are gone.
 * A batch the queue refuses ends the call with {@link ReplayInterruptedError}: what was queued
 * before it is replayed and removed, the rest is kept, nothing is sent twice.
 */
export async function replayPages(
  env: Env,
  prefix: string,
  filter: LetterFilter,
  budget: OperationBudget,
  now = Date.now(),
): Promise<ReplayProgress> {
  // One spill per event, even when several letters of the page carry it (KV takes one write per key per second).
  const stubs = new Map<string, RelayEvent>();
  let replayed = 0;
  let cursor: string | undefined;
  try {
    do {
      if (!budget.allows(1 + 1 + LETTER_AT_MOST)) return { replayed, remaining: true };
      budget.spend();
      const page = await env.RELAY_STATE.list<Partial<DeadLetterMetadata>>({
        prefix,
        limit: KV_LIST_KEYS,
        ...(cursor === undefined ? {} : { cursor }),
      });
      const keys = page.keys.filter((key) => mayBeWanted(key.metadata, filter)).sort(byFirstAttempt);
      for (let next = 0; next < keys.length; ) {
        // The read and one batch first; then each letter costs at least its delete.
        const affordable = budget.left - 2;
        if (affordable < 1) return { replayed, remaining: true };
        // Up to 100 keys a read: as many wanted ones as could be replayed, and any that must be read to be known.
        const chunk: string[] = [];
        for (let known = 0; next < keys.length && chunk.length < KV_BULK_GET_KEYS; next++) {
          const key = keys[next] as (typeof keys)[number];
          if (hasMetadata(key.metadata) && known++ === affordable) break;
          chunk.push(key.name);
        }
        budget.spend();
        // As text: one record that is not JSON (put by hand) must not fail the read of the other 99.
        const records = await env.RELAY_STATE.get(chunk, "text");
        const letters = chunk
          .flatMap((name) => {
            const text = records.get(name);
            // Gone between the list and the read (replayed or deleted meanwhile), or not one the relay wrote.
            const letter = text == null ? undefined : deadLetterFrom(text, name);
            return letter && isWanted(letter, filter) ? [{ name, letter }] : [];
          })
          .sort((a, b) => oldestFirst(a.letter, b.letter));
        const sent = await replayInOrder(env, letters, budget, stubs, now);
        replayed += sent;
        if (sent < letters.length) return { replayed, remaining: true };
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor !== undefined);
  } catch (error) {
    if (error instanceof ReplayInterruptedError)
      throw new ReplayInterruptedError(error.message, replayed + error.replayed);
    throw error;
  }
  return { replayed, remaining: false };
}

function byFirstAttempt(a: { metadata?: unknown }, b: { metadata?: unknown }): number {
  const at = (key: { metadata?: unknown }) =>
    (key.metadata as Partial<DeadLetterMetadata> | null)?.firstAttemptAt ?? "";
  return byCodeUnits(at(a), at(b));
}

/** In the order the events reached the relay; the event's own time, then its id, break ties. */
function oldestFirst(a: DeadLetter, b: DeadLetter): number {
  return (
    byCodeUnits(a.firstAttemptAt ?? "", b.firstAttemptAt ?? "") ||
    byCodeUnits(a.event?.time ?? "", b.event?.time ?? "") ||
    byCodeUnits(a.event?.id ?? "", b.event?.id ?? "")
  );
}

/** ISO 8601 UTC times of one format sort as text. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
