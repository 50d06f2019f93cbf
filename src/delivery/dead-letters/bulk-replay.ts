import type { Env } from "../../core/env";
import { log } from "../../core/log";
import { isRecord, jsonValue } from "../../lib/json";
import { writeWhenKvAllows } from "../../lib/kv";
import { OperationBudget } from "../operation-budget";
import { type ReplayProgress, replayPages } from "./replay-pages";
import { deadLetterPrefix, type LetterFilter } from "./store";

/**
 * KV `RELAY_STATE` `replaying:<filter>` → where a paged bulk replay with that filter stands while it has
 * pages to go ({@link Replaying}), so that a long run of letters the filter skips is walked once, not
 * on every call. Kept ten minutes: a replay left unfinished for longer starts over from the first key,
 * and one taken up sooner carries on (a letter that failed meanwhile waits for the next replay, whether
 * it sorts before the cursor or was kept again since the replay began; it is kept all the same).
 */
const REPLAYING_PREFIX = "replaying:";
const CURSOR_KEPT_SECONDS = 600;

interface Replaying {
  /** When the replay's first call began (ms): a letter last attempted since then came back meanwhile. */
  startedAt: number;
  /** The list cursor the next call starts from (absent: the first key). */
  cursor?: string;
}

/**
 * Replays one bounded page of the dead letters under `target` (all, when absent) that `filter`
 * wants, carrying on where the last call with the same filter stopped. A letter kept again since the
 * replay began (its target still paused, disabled or removed) is not replayed again by it: without
 * that, such letters, back at once, would keep every call busy and the replay would never end. Its
 * own read and its write (or delete) count against `budget`. A caller that asks for the next page at
 * once meets KV's one write per key per second on the record: the write waits a second and is made
 * again, so a finished replay never leaves its record for the next one to start from. A refused batch
 * throws as {@link replayPages} does, and the next call starts where this one did.
 */
export async function bulkReplay(
  env: Env,
  target: string | undefined,
  filter: LetterFilter,
  budget = new OperationBudget(),
  now = Date.now(),
): Promise<ReplayProgress> {
  const key = REPLAYING_PREFIX + JSON.stringify([target ?? null, filter.reason ?? null, filter.since ?? null]);
  // Its read, and its write or delete with one more try when KV refuses it as too soon.
  budget.spend(3);
  const stored = replayingFrom((await env.RELAY_STATE.get(key, "text")) || undefined, now);
  const { startedAt, cursor: from } = stored ?? { startedAt: now };
  const { progress, next } = await replayPages(
    env,
    deadLetterPrefix(target),
    { ...filter, before: startedAt },
    budget,
    from,
    now,
  );
  // A cursor not saved (KV down) costs the next call a longer walk, never a letter: it starts further back.
  // A record left at the end (KV down) is logged; a new replay within its ten minutes would start from it.
  const unsaved = (error: unknown) => log("dead-letters", { outcome: "replay_progress_unsaved", error: String(error) });
  if (progress.remaining) {
    const replaying: Replaying = { startedAt, ...(next === undefined ? {} : { cursor: next }) };
    await writeWhenKvAllows(() =>
      env.RELAY_STATE.put(key, JSON.stringify(replaying), { expirationTtl: CURSOR_KEPT_SECONDS }),
    ).catch(unsaved);
  } else if (stored !== undefined) await writeWhenKvAllows(() => env.RELAY_STATE.delete(key)).catch(unsaved);
  return progress;
}

/** The stored record; a bare cursor (as an earlier version stored it) carries on from now. */
function replayingFrom(text: string | undefined, now: number): Replaying | undefined {
  if (text === undefined) return undefined;
  const value = jsonValue(text);
  if (!isRecord(value) || typeof value.startedAt !== "number") return { startedAt: now, cursor: text };
  return {
    startedAt: value.startedAt,
    ...(typeof value.cursor === "string" && value.cursor !== "" ? { cursor: value.cursor } : {}),
  };
}
