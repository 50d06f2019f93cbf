import type { Env } from "../../core/env";
import { errorMessage, StateRefusedError } from "../../core/errors";
import { log } from "../../core/log";
import { isRecord, jsonValue } from "../../lib/json";
import { writeWhenKvAllows } from "../../lib/kv";
import { KV_LIST_KEYS } from "../../lib/limits";
import { OperationBudget } from "../operation-budget";
import { PAUSE_PREFIX, pauseFrom, unpauseTarget } from "../pauses";
import { targetResumed } from "../relay-events/own-events";
import { reportNow, someoneWants } from "../relay-events/report";
import { ReplayInterruptedError } from "./replay-batches";
import { type ReplayProgress, replayPages } from "./replay-pages";
import { type DeadLetterMetadata, deadLetterPrefix, mayBeWanted } from "./store";

/** What a resume replays: the deliveries a target's pause kept. */
const KEPT_WHILE_PAUSED = { reason: "paused" } as const;

/**
 * A resume whose last page ended this recently is still under way: a pause found now that it did not end was
 * made while it ran (the target answered 410 again to its replays, or an operator paused it), and its next page
 * leaves that pause in place. A call after a longer break is a resume of its own, as the bulk replay's cursor
 * is kept as long.
 */
const UNDER_WAY_MS = 10 * 60_000;

/** What a call of a resume did: its progress, and whether the target is still paused (paused again while it ran). */
export type ResumeProgress = ReplayProgress & { paused: boolean };

/**
 * Resumes a target: unpauses it first (so new deliveries flow at once, and a batch that is
 * keeping one right now sees the resume and replays it itself), then replays one bounded page
 * of the deliveries it kept while paused, oldest first within the page, each with a fresh
 * schedule ({@link replayPages}). `remaining` says whether to call again; calling again carries
 * on where this one stopped (from the list cursor it stored), and unpausing again changes nothing.
 */
export async function resumeTarget(
  env: Env,
  targetId: string,
  budget = new OperationBudget(),
  now = Date.now(),
): Promise<ResumeProgress> {
  // Only when a target names `relay.target.resumed` is the total reported, when the last page is done.
  const report = await someoneWants(env, targetResumed(targetId, new Date(now).toISOString(), 0));
  const sofar = await resumeSoFar(env, targetId, budget, now);
  budget.spend();
  if (sofar.pausedAgain) {
    // Lifting it would send the target the rest, which it refuses too, and the next page would lift its next
    // pause: the resume ends here, and the pause stays until an operator resumes the target again.
    log("target", { target: targetId, outcome: "resume-ended", reason: "paused again while the resume ran" });
    await endPage(env, targetId, sofar, { replayed: 0, remaining: false }, undefined, false);
    return { replayed: 0, remaining: false, paused: true };
  }
  // A later page of a resume under way writes no pause key: the first page lifted it, less than a second ago
  // maybe, and KV refuses a second write to one key within a second.
  if (sofar.paused || !sofar.stored) {
    await unpauseTarget(env.RELAY_STATE, targetId).catch(() => {
      throw new StateRefusedError(
        "the pause was not lifted: KV refused the write (it takes one write per key per second, so a resume right after the pause meets this); nothing changed, try again in a second",
      );
    });
  }
  // Only a resume under way of this same pause carries on from its cursor (resumeSoFar decides): a new pause's
  // letters are anywhere in the list.
  const from = sofar.cursor;
  let paged: Awaited<ReturnType<typeof replayPages>>;
  try {
    paged = await replayPages(env, deadLetterPrefix(targetId), KEPT_WHILE_PAUSED, budget, from, now);
  } catch (error) {
    // The pause is lifted already: what it was and what was replayed are kept, so the resume called again reports it all.
    const replayed = error instanceof ReplayInterruptedError ? error.replayed : 0;
    if (sofar.paused || sofar.stored)
      await endPage(env, targetId, sofar, { replayed, remaining: true }, from, report, now);
    throw error;
  }
  const { progress, next } = paged;
  log("target", { target: targetId, outcome: "resumed", ...progress });
  await endPage(env, targetId, sofar, progress, next, report, now);
  return { ...progress, paused: false };
}

/**
 * KV `RELAY_STATE` `resuming:<target id>` → {@link ResumeSoFar}: while a paged resume has pages to go, the
 * pause it ends, how many it replayed so far (so that `relay.target.resumed` reports the total once), when
 * its last page ended (`at`, ms), and the list cursor the next page starts from.
 */
const RESUMING_PREFIX = "resuming:";

interface ResumeSoFar {
  /** Whether the target was paused when this call began. */
  paused: boolean;
  /** `null`: not known (a pause record put by hand). */
  pausedSince: string | null;
  replayed: number;
  /** Where the next page starts: every kept letter before it was replayed. */
  cursor?: string;
  /** Whether the record is stored (and must go when the resume is done). */
  stored: boolean;
  /** The target was paused again while this resume was under way ({@link UNDER_WAY_MS}). */
  pausedAgain?: true;
}

/** The pause being ended and the resume under way, in one bulk read; the two operations the end needs, set aside. */
async function resumeSoFar(env: Env, targetId: string, budget: OperationBudget, now: number): Promise<ResumeSoFar> {
  // The bulk read, and the end's two writes, the record's with one more try when KV refuses it as too soon.
  budget.spend(4);
  const keys = [PAUSE_PREFIX + targetId, RESUMING_PREFIX + targetId];
  // As text: a pause record put by hand must not fail the resume that ends it.
  const found = await env.RELAY_STATE.get(keys, "text");
  const pause = found.get(keys[0] as string);
  const paused = pause != null;
  const stored = jsonValue(found.get(keys[1] as string) ?? "");
  const pausedSince = paused ? pauseFrom(pause, keys[0] as string).since : null;
  if (!isRecord(stored) || typeof stored.replayed !== "number")
    return { paused, pausedSince, replayed: 0, stored: false };
  const recordSince = typeof stored.pausedSince === "string" ? stored.pausedSince : null;
  // A pause other than the one the record's resume ended is a new one: the record was left behind by an
  // earlier resume (KV down as it ended), and its pause and count are not this resume's to report. It goes
  // when this one is done.
  const underWay = typeof stored.at === "number" && now - stored.at < UNDER_WAY_MS;
  if (paused && recordSince !== pausedSince) {
    return { paused, pausedSince, replayed: 0, stored: true, ...(underWay ? { pausedAgain: true } : {}) };
  }
  return {
    paused,
    pausedSince: recordSince,
    replayed: stored.replayed,
    // Only a resume under way carries on from its cursor. A record left longer ago may be an earlier resume's
    // (the first page of this one lifted a new pause, then KV refused its record): its cursor may lie past
    // letters this pause kept, so the walk starts from the first key (a longer walk, never a letter missed).
    ...(underWay && typeof stored.cursor === "string" && stored.cursor !== "" ? { cursor: stored.cursor } : {}),
    stored: true,
  };
}

/**
 * Pages to go: the count so far and the cursor are stored (a failed write costs the next call a longer
 * walk, never a letter: it starts further back). Done: `relay.target.resumed` with the total, if wanted
 * and if there was a pause or a resume to end, and the record goes.
 */
async function endPage(
  env: Env,
  targetId: string,
  sofar: ResumeSoFar,
  progress: ReplayProgress,
  next: string | undefined,
  report: boolean,
  now = Date.now(),
): Promise<void> {
  const replayed = sofar.replayed + progress.replayed;
  if (progress.remaining) {
    const record = {
      pausedSince: sofar.pausedSince,
      replayed,
      at: now,
      ...(next === undefined ? {} : { cursor: next }),
    };
    await writeWhenKvAllows(() => env.RELAY_STATE.put(RESUMING_PREFIX + targetId, JSON.stringify(record))).catch(
      (error: unknown) =>
        log("target", { target: targetId, outcome: "resume_progress_unsaved", error: errorMessage(error) }),
    );
    return;
  }
  if (report && (sofar.paused || sofar.stored))
    await reportNow(env, targetResumed(targetId, sofar.pausedSince, replayed));
  // Every kept letter is replayed already: a record left behind (KV down) names this pause, so the resume of a
  // later pause uses neither its count nor its cursor (it starts from the first key).
  if (sofar.stored)
    await writeWhenKvAllows(() => env.RELAY_STATE.delete(RESUMING_PREFIX + targetId)).catch((error: unknown) =>
      log("target", { target: targetId, outcome: "resume_record_left", error: errorMessage(error) }),
    );
}

/**
 * Whether `targetId` has pause state: a pause, a resume that still has pages to go (its kept letters
 * may all sort after the first 1,000 keys), or deliveries kept for one. Two KV calls at most.
 */
export async function hasPauseState(state: KVNamespace, targetId: string, budget: OperationBudget): Promise<boolean> {
  budget.spend();
  const keys = [PAUSE_PREFIX + targetId, RESUMING_PREFIX + targetId];
  const found = await state.get(keys, "text");
  if (keys.some((key) => found.get(key) != null)) return true;
  budget.spend();
  const page = await state.list<Partial<DeadLetterMetadata>>({
    prefix: deadLetterPrefix(targetId),
    limit: KV_LIST_KEYS,
  });
  return page.keys.some((key) => mayBeWanted(key.metadata, KEPT_WHILE_PAUSED));
}
