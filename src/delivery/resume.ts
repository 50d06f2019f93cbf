import type { Env } from "../env";
import { KV_LIST_KEYS } from "../lib/limits";
import { log } from "../log";
import { type DeadLetterMetadata, deadLetterPrefix } from "./dead-letters";
import { OperationBudget } from "./operation-budget";
import { readPause, unpauseTarget } from "./pauses";
import { mayBeWanted, type ReplayProgress, replayPages } from "./replay-pages";

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
  budget.spend();
  await unpauseTarget(env.RELAY_STATE, targetId);
  const progress = await replayPages(env, deadLetterPrefix(targetId), KEPT_WHILE_PAUSED, budget, now);
  log("target", { target: targetId, outcome: "resumed", ...progress });
  return progress;
}

/**
 * Whether `targetId` has pause state: a pause, or deliveries kept for one (a resume that still
 * has pages to go, of a target no longer configured). Two KV calls at most.
 */
export async function hasPauseState(state: KVNamespace, targetId: string, budget: OperationBudget): Promise<boolean> {
  budget.spend();
  if ((await readPause(state, targetId)) !== null) return true;
  budget.spend();
  const page = await state.list<Partial<DeadLetterMetadata>>({
    prefix: deadLetterPrefix(targetId),
    limit: KV_LIST_KEYS,
  });
  return page.keys.some((key) => mayBeWanted(key.metadata, KEPT_WHILE_PAUSED));
}
