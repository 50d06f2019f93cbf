import type { Env } from "../../core/env";
import { log } from "../../core/log";
import { isRecord, jsonValue } from "../../lib/json";
import { KV_LIST_KEYS } from "../../lib/limits";
import { OperationBudget } from "../operation-budget";
import { isPaused, PAUSE_PREFIX, pauseFrom, unpauseTarget } from "../pauses";
import { targetResumed } from "../relay-events/own-events";
import { reportNow, someoneWants } from "../relay-events/report";
import { type ReplayProgress, replayPages } from "./replay-pages";
import { type DeadLetterMetadata, deadLetterPrefix, mayBeWanted } from "./store";

/** What a resume replays: the deliveries a target's pause kept. */
const KEPT_WHILE_PAUSED = { reason: "paused" } as const;

/**
 * Resumes a target: unpauses it first (so new deliveries flow at once, and a batch that is
 * keeping one right now sees the resume and replays it itself), then replays one bounded page
 * of the deliveries it kept while paused, oldest first within the page, each with a fresh
 * schedule ({@link replayPages}). `remaining` says whether to call again; calling again carries
 * on where this one stopped, and unpausing again changes nothing.
 */
export async function resumeTarget(
  env: Env,
  targetId: string,
  budget = new OperationBudget(),
  now = Date.now(),
): Promise<ReplayProgress> {
  // Only when a target names `relay.target.resumed`: the pause and the pages so far are read, to report the total.
  const report = (await someoneWants(env, targetResumed(targetId, new Date(now).toISOString(), 0)))
    ? await resumeSoFar(env, targetId, budget)
    : undefined;
  budget.spend();
  await unpauseTarget(env.RELAY_STATE, targetId);
  const progress = await replayPages(env, deadLetterPrefix(targetId), KEPT_WHILE_PAUSED, budget, now);
  log("target", { target: targetId, outcome: "resumed", ...progress });
  if (report !== undefined) await reportResumed(env, targetId, report, progress);
  return progress;
}

/**
 * KV `RELAY_STATE` `resuming:<target id>` → {@link ResumeSoFar}: while a paged resume has pages to go, the
 * pause it ends and how many it replayed so far, so that `relay.target.resumed` reports the total once.
 */
const RESUMING_PREFIX = "resuming:";

interface ResumeSoFar {
  /** `null`: not known (a pause record put by hand). */
  pausedSince: string | null;
  replayed: number;
  /** Whether the record is stored (and must go when the resume is done). */
  stored?: boolean;
}

/** The pause being ended (or the resume under way) in one bulk read; the two operations the end needs, set aside. */
async function resumeSoFar(env: Env, targetId: string, budget: OperationBudget): Promise<ResumeSoFar | undefined> {
  budget.spend(3);
  const keys = [PAUSE_PREFIX + targetId, RESUMING_PREFIX + targetId];
  // As text: a pause record put by hand must not fail the resume that ends it.
  const found = await env.RELAY_STATE.get(keys, "text");
  const pause = found.get(keys[0] as string);
  const sofar = jsonValue(found.get(keys[1] as string) ?? "") as ResumeSoFar | undefined;
  if (isRecord(sofar) && typeof sofar.replayed === "number")
    return {
      pausedSince: typeof sofar.pausedSince === "string" ? sofar.pausedSince : null,
      replayed: sofar.replayed,
      stored: true,
    };
  return pause == null ? undefined : { pausedSince: pauseFrom(pause, keys[0] as string).since, replayed: 0 };
}

/** Pages to go: the count so far is stored. Done: `relay.target.resumed` with the total, and the record goes. */
async function reportResumed(env: Env, targetId: string, sofar: ResumeSoFar, progress: ReplayProgress): Promise<void> {
  const replayed = sofar.replayed + progress.replayed;
  if (progress.remaining) {
    const next: ResumeSoFar = { pausedSince: sofar.pausedSince, replayed };
    await env.RELAY_STATE.put(RESUMING_PREFIX + targetId, JSON.stringify(next));
    return;
  }
  await reportNow(env, targetResumed(targetId, sofar.pausedSince, replayed));
  if (sofar.stored) await env.RELAY_STATE.delete(RESUMING_PREFIX + targetId);
}

/**
 * Whether `targetId` has pause state: a pause, or deliveries kept for one (a resume that still
 * has pages to go, of a target no longer configured). Two KV calls at most.
 */
export async function hasPauseState(state: KVNamespace, targetId: string, budget: OperationBudget): Promise<boolean> {
  budget.spend();
  if (await isPaused(state, targetId)) return true;
  budget.spend();
  const page = await state.list<Partial<DeadLetterMetadata>>({
    prefix: deadLetterPrefix(targetId),
    limit: KV_LIST_KEYS,
  });
  return page.keys.some((key) => mayBeWanted(key.metadata, KEPT_WHILE_PAUSED));
}
