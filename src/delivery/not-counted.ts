import type { ChatTarget, Target } from "../config/targets-schema";
import type { Env } from "../core/env";
import { errorMessage } from "../core/errors";
import { log } from "../core/log";
import { MAX_DELAY_SECONDS, WAITS } from "../core/settings";
import type { AttemptContext, DeadVerdict, RetryVerdict } from "./attempt";
import { chatRateLimit } from "./chat/chat-rate-limit";
import { SLOT_UNAVAILABLE_RETRY_SECONDS, takeSlot } from "./chat/slots";
import { withinDeliveryWindow } from "./retry";
import type { AttemptResult } from "./send";

/** Why a delivery is not tried again: the next attempt would fall outside the delivery window. */
export const PAST_WINDOW = "not retried: the next attempt would come more than 72 h after the first";

/** A bot that answered "too fast" is left alone at least this long (or its Retry-After, when longer). */
export const RATE_LIMITED_DELAY_SECONDS = WAITS.rateLimitedSeconds;

/** How long a chat delivery must wait for its send slot; `undefined` when it may go now. */
export async function slotWait(
  env: Env,
  target: ChatTarget,
  line: Record<string, unknown>,
): Promise<number | undefined> {
  try {
    const slot = await takeSlot(env, { id: target.id, rateLimit: chatRateLimit(target) }, Date.now());
    return "go" in slot ? undefined : Math.min(Math.max(Math.ceil(slot.waitSeconds), 1), MAX_DELAY_SECONDS);
  } catch (error) {
    log("delivery", { ...line, outcome: "slot-unavailable", reason: errorMessage(error) });
    return SLOT_UNAVAILABLE_RETRY_SECONDS;
  }
}

/**
 * Tried again after `delaySeconds` without using up the schedule (the attempts made so far stay as
 * they were), unless that is past the delivery window: then it is dead like any delivery out of time.
 */
export function notCounted(
  delaySeconds: number,
  why: string,
  { event, attempt, firstAttemptAt, journal }: AttemptContext,
  target: Target,
  line: Record<string, unknown>,
  result?: AttemptResult,
): RetryVerdict | DeadVerdict {
  const sent = result !== undefined;
  const status = result?.status ?? null;
  if (!withinDeliveryWindow(firstAttemptAt, delaySeconds)) {
    const lastError = `${why}; ${PAST_WINDOW}`;
    log("delivery", { ...line, outcome: "failed-final", status, reason: lastError });
    if (!sent) journal?.notAttempted({ event, target: target.id }, attempt - 1, lastError, "dead");
    return { kind: "dead", attempts: sent ? attempt : attempt - 1, lastStatus: status, lastError };
  }
  log("delivery", {
    ...line,
    outcome: sent ? "rate-limited" : "waiting",
    ...(sent ? { status, durationMs: result.durationMs } : {}),
    reason: sent ? `${why}; not counted as an attempt` : `${why}; not an attempt`,
    retryInSeconds: delaySeconds,
  });
  return { kind: "retry", delaySeconds, attempts: attempt - 1 };
}
