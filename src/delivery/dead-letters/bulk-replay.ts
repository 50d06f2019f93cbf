import type { Env } from "../../core/env";
import { log } from "../../core/log";
import { OperationBudget } from "../operation-budget";
import { type ReplayProgress, replayPages } from "./replay-pages";
import { deadLetterPrefix, type LetterFilter } from "./store";

/**
 * KV `RELAY_STATE` `replaying:<filter>` → the list cursor the next call of a paged bulk replay with
 * the same filter starts from, so that a long run of letters the filter skips is walked once, not
 * on every call. Kept ten minutes: a replay left unfinished for longer starts over from the first
 * key, and one taken up sooner carries on (a letter that failed meanwhile and sorts before the
 * cursor waits for the next replay; it is kept all the same).
 */
const REPLAYING_PREFIX = "replaying:";
const CURSOR_KEPT_SECONDS = 600;

/**
 * Replays one bounded page of the dead letters under `target` (all, when absent) that `filter`
 * wants, carrying on where the last call with the same filter stopped. Its own read and its write
 * (or delete) count against `budget`. A refused batch throws as {@link replayPages} does, and the
 * next call starts where this one did.
 */
export async function bulkReplay(
  env: Env,
  target: string | undefined,
  filter: LetterFilter,
  budget = new OperationBudget(),
): Promise<ReplayProgress> {
  const key = REPLAYING_PREFIX + JSON.stringify([target ?? null, filter.reason ?? null, filter.since ?? null]);
  budget.spend(2);
  const from = (await env.RELAY_STATE.get(key, "text")) || undefined;
  const { progress, next } = await replayPages(env, deadLetterPrefix(target), filter, budget, from);
  // A failed write costs the next call a longer walk, never a letter: it starts further back.
  const unsaved = (error: unknown) => log("dead-letters", { outcome: "replay_progress_unsaved", error: String(error) });
  if (next !== undefined) await env.RELAY_STATE.put(key, next, { expirationTtl: CURSOR_KEPT_SECONDS }).catch(unsaved);
  else if (from !== undefined) await env.RELAY_STATE.delete(key).catch(unsaved);
  return progress;
}
