import type { Env } from "../env";
import { log } from "../log";
import { type Burial, buryDelivery, type GoneVerdict } from "./attempt";
import { pauseTarget } from "./pauses";

/** A delivery not attempted because its target is paused: kept, to be replayed when the target resumes. */
export async function holdWhilePaused(env: Env, burial: Burial, attemptsMade: number): Promise<void> {
  await buryDelivery(env, burial, {
    attempts: attemptsMade,
    lastStatus: null,
    lastError: "not attempted: the target is paused",
    reason: "paused",
  });
}

/**
 * The target answered `410 Gone`: pause it (so the rest of this batch and every later
 * one sends it nothing), then keep this delivery for its resume.
 */
export async function pauseOnGone(env: Env, burial: Burial, verdict: GoneVerdict, paused: Set<string>): Promise<void> {
  if (!paused.has(burial.target)) {
    await pauseTarget(env.RELAY_STATE, burial.target, "gone");
    paused.add(burial.target);
    log("target", { target: burial.target, outcome: "paused", reason: "answered 410 Gone", id: burial.event.id });
  }
  await buryDelivery(env, burial, { ...verdict, reason: "paused" });
}
