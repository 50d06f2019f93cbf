import type { Context } from "hono";
import { loadTargets } from "../config/targets";
import { TARGET_ID_PATTERN as TARGET_ID } from "../config/targets-schema";
import type { Env } from "../core/env";
import { RelayError, StateRefusedError } from "../core/errors";
import { settingsOf } from "../core/settings";
import { ReplayInterruptedError } from "../delivery/dead-letters/replay-batches";
import { hasPauseState, type ResumeProgress, resumeTarget } from "../delivery/dead-letters/resume";
import { OperationBudget } from "../delivery/operation-budget";
import type { AdminEnv } from "./request-log";

/**
 * `POST /admin/targets/<id>/resume`: unpauses the target and replays one bounded page of what it
 * kept while paused, oldest first within the page: 202 `{"target", "paused": false, "replayed",
 * "remaining"}`; call again while `remaining` is true. `"paused": true` (and nothing replayed): the
 * target was paused again while the resume was under way, and stays paused. Every KV and Queues call of the request,
 * the targets read included, counts against its operation budget.
 */
export async function resume(c: Context<AdminEnv>): Promise<Response> {
  const budget = new OperationBudget();
  const id = await resumableTarget(c.env, c.req.param("id") ?? "", budget);
  let progress: ResumeProgress;
  try {
    progress = await resumeTarget(c.env, id, budget);
  } catch (error) {
    if (error instanceof StateRefusedError) throw error;
    if (!(error instanceof ReplayInterruptedError)) {
      throw new RelayError(
        503,
        "queue_unavailable",
        "the resume could not finish; what was not replayed is kept, try again",
      );
    }
    throw new RelayError(
      503,
      "queue_unavailable",
      `the resume could not finish: the queue refused a batch after ${error.replayed} kept deliveries were replayed; the rest are kept, resume again`,
    );
  }
  const { paused, replayed, remaining } = progress;
  c.set("logFields", { target: id, ...progress });
  // Still paused: paused again while the resume ran (it answered 410 to the replays, or an operator paused it).
  return c.json({ target: id, paused, replayed, remaining }, 202);
}

/**
 * A target of the document, or an id with pause state: a pause, or deliveries kept for one. So a
 * pause outlives neither its target's removal nor an invalid document: it only needs its key and
 * its letters. 404 for an id with neither; 409 when the document is invalid and the id has none.
 */
async function resumableTarget(env: Env, id: string, budget: OperationBudget): Promise<string> {
  if (!TARGET_ID.test(id)) throw new RelayError(404, "unknown_target", `no target with id "${id}"`);
  budget.spend();
  const loaded = await loadTargets(env, settingsOf(env));
  if (loaded.ok && loaded.targets.some((target) => target.id === id)) return id;
  if (await hasPauseState(env.RELAY_STATE, id, budget)) return id;
  if (!loaded.ok)
    throw new RelayError(
      409,
      "stored_targets_invalid",
      "the stored targets document is invalid; PUT a valid one first",
    );
  throw new RelayError(404, "unknown_target", `no target with id "${id}"`);
}
