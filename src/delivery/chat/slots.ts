import type { Env } from "../../core/env";
import { errorMessage } from "../../core/errors";
import { log } from "../../core/log";
import { WAITS } from "../../core/settings";
import type { SlotAnswer } from "./rate-limiter";
import { type RateLimit, rateWindows } from "./rate-windows";

/**
 * When the rate limiter cannot answer (unavailable, overloaded, a bad limit), the delivery waits
 * this long in the queue and asks again: it is not an attempt, and it is never sent unthrottled.
 */
export const SLOT_UNAVAILABLE_RETRY_SECONDS = WAITS.slotUnavailableRetrySeconds;

/**
 * Asks the target's rate limiter (one Durable Object per target id) whether a chat message may be
 * sent now; call it right before each send. A `waitSeconds` answer means: put the delivery back on
 * the queue with that delay, without counting an attempt; when it comes back it asks again.
 * One request to the Durable Object, an operation of the invocation; none when the target has no
 * limit. `rateLimit` is the target's effective one (its kind's defaults filled in).
 */
export async function takeSlot(
  env: Env,
  target: { id: string; rateLimit: { perMinute?: number; perSecond?: number } },
  now: number,
): Promise<{ go: true } | { waitSeconds: number }> {
  try {
    // Checked here too, so that a limit the object would refuse costs no request.
    if (rateWindows(target.rateLimit).length === 0) return { go: true };
    const limiter = env.CHAT_RATE_LIMITER;
    const answer: SlotAnswer = await limiter.get(limiter.idFromName(target.id)).take(limitOf(target.rateLimit), now);
    return answer;
  } catch (error) {
    log("chat-slot", {
      target: target.id,
      outcome: "unavailable",
      reason: errorMessage(error),
      retryInSeconds: SLOT_UNAVAILABLE_RETRY_SECONDS,
    });
    return { waitSeconds: SLOT_UNAVAILABLE_RETRY_SECONDS };
  }
}

/** Only the two numbers go over the wire, whatever else the caller's object holds. */
function limitOf({ perMinute, perSecond }: RateLimit): RateLimit {
  return {
    ...(perMinute === undefined ? {} : { perMinute }),
    ...(perSecond === undefined ? {} : { perSecond }),
  };
}
