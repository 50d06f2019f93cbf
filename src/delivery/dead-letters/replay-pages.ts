import type { RelayEvent } from "../../core/cloud-event";
import type { Env } from "../../core/env";
import { claimLetters, releaseClaims, replayClaimant } from "../../event-log/replay-claims";
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
  MARKS_LAST_MS,
  markOf,
  mayBeWanted,
} from "./store";

export interface ReplayProgress {
  replayed: number;
  /** Letters may be left that the operation budget did not reach: call again to carry on. */
  remaining: boolean;
}

/**
 * A call's progress, and where the next call carries on: the KV list cursor of the first page this
 * call did not finish (absent: from the first key). Every key before it was replayed, or is one the
 * filter does not want, so a long run of unwanted letters is passed once, not on every call.
 */
interface PagedReplay {
  progress: ReplayProgress;
  next?: string;
}

/**
 * Replays the dead letters under `prefix` that `filter` wants, page by page, within what `budget`
 * has left: one KV list per 1,000 keys (the keys' metadata skips unwanted letters unread), one
 * bulk read per 100 letters, one D1 statement claiming the wanted ones ({@link claimLetters}: a letter
 * another replay claimed is passed over, so replays at once send each letter once), their messages in as
 * few `sendBatch` calls as Queues allows, one delete per replayed record, made once its message is
 * queued, and one statement giving back the claims of letters it did not queue. Within a page the letters go
 * oldest first. It stops where the next letter would not fit in the budget; what it did not reach
 * is kept, and {@link PagedReplay.next} says where the next call carries on (`from`), at the start of
 * the page it stopped in, where the replayed records are gone. A `from` KV no longer takes starts
 * the walk over from the first key. A batch the queue refuses ends the call with
 * {@link ReplayInterruptedError}: what was queued before it is replayed and removed, the rest is
 * kept, nothing is sent twice.
 */
export async function replayPages(
  env: Env,
  prefix: string,
  filter: LetterFilter,
  budget: OperationBudget,
  from?: string,
  now = Date.now(),
): Promise<PagedReplay> {
  // One spill per event, even when several letters of the page carry it (KV takes one write per key per second).
  const stubs = new Map<string, RelayEvent>();
  const claimant = replayClaimant(now);
  let replayed = 0;
  let cursor = from;
  const stopped = () => ({
    progress: { replayed, remaining: true },
    ...(cursor === undefined ? {} : { next: cursor }),
  });
  try {
    do {
      if (!budget.allows(1 + 1 + CLAIM_AT_MOST + LETTER_AT_MOST)) return stopped();
      budget.spend();
      const list = (after: string | undefined) =>
        env.RELAY_STATE.list<Partial<DeadLetterMetadata>>({
          prefix,
          limit: KV_LIST_KEYS,
          ...(after === undefined ? {} : { cursor: after }),
        });
      let page: Awaited<ReturnType<typeof list>>;
      try {
        page = await list(cursor);
      } catch (error) {
        // A stored cursor KV no longer takes (kept from another deployment, say): the walk starts over.
        if (cursor === undefined || cursor !== from || !budget.allows(1 + 1 + 1 + CLAIM_AT_MOST + LETTER_AT_MOST))
          throw error;
        budget.spend();
        cursor = undefined;
        page = await list(cursor);
      }
      const keys = page.keys.filter((key) => mayBeWanted(key.metadata, filter)).sort(byFirstAttempt);
      for (let next = 0; next < keys.length; ) {
        // The read, the claim and its release, and one batch first; then each letter costs at least its delete.
        const affordable = budget.left - 2 - CLAIM_AT_MOST;
        if (affordable < 1) return stopped();
        // Up to 100 keys a read: as many wanted ones as could be replayed, and any that must be read to be known;
        // with the mark (`replayed:`) of each letter recent enough to carry one.
        const chunk: string[] = [];
        const marks: string[] = [];
        for (let known = 0; next < keys.length && chunk.length + marks.length < KV_BULK_GET_KEYS - 1; next++) {
          const key = keys[next] as (typeof keys)[number];
          if (hasMetadata(key.metadata) && known++ === affordable) break;
          chunk.push(key.name);
          if (now - Date.parse(key.metadata?.lastAttemptAt as string) < MARKS_LAST_MS) marks.push(markOf(key.name));
        }
        budget.spend();
        // As text: one record that is not JSON (put by hand) must not fail the read of the other 99.
        const records = await env.RELAY_STATE.get([...chunk, ...marks], "text");
        const wanted = chunk
          .flatMap((name) => {
            const text = records.get(name);
            // Gone between the list and the read (replayed or deleted meanwhile), or not one the relay wrote.
            const letter = text == null ? undefined : deadLetterFrom(text, name);
            // Marked replayed: sent already, and its removal is queued.
            const sent = records.get(markOf(name)) === letter?.lastAttemptAt;
            return letter && isWanted(letter, filter) && !sent ? [{ name, letter }] : [];
          })
          .sort((a, b) => oldestFirst(a.letter, b.letter));
        // Letters another replay claimed are that one's to send (it removes their records): passed over here.
        if (wanted.length > 0) budget.spend(CLAIM_AT_MOST);
        const letters = await claimLetters(env, wanted, claimant);
        const queued = new Set<string>();
        try {
          replayed += await replayInOrder(env, letters, budget, stubs, now, queued);
        } finally {
          // What this call claimed and did not queue (the budget ran out, or the queue refused it) is given back.
          await releaseClaims(
            env,
            letters.filter(({ name }) => !queued.has(name)),
            claimant,
          );
        }
        if (queued.size < letters.length) return stopped();
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor !== undefined);
  } catch (error) {
    if (error instanceof ReplayInterruptedError)
      throw new ReplayInterruptedError(error.message, replayed + error.replayed);
    throw error;
  }
  return { progress: { replayed, remaining: false } };
}

/** A chunk's claim of the letters it read, and the release of those it did not send ({@link claimLetters}). */
const CLAIM_AT_MOST = 2;

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
