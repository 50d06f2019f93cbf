import { DELIVERY_WINDOW_SECONDS, MAX_DELAY_SECONDS } from "../core/settings";

/**
 * The delay before the next attempt, or `null` when the schedule is used up.
 * `attemptsMade` counts every attempt so far (1 after the first); a schedule of
 * n delays allows n + 1 attempts.
 *
 * A target's `Retry-After` (already capped at 12 h) may lengthen the delay, never
 * shorten it: `Retry-After: 0` on every answer must not use up the schedule in
 * seconds. A longer one is used exactly; otherwise the scheduled delay gets a small
 * jitter so that the deliveries queued while a target was down do not all come back
 * in the same second.
 */
export function nextDelaySeconds(
  attemptsMade: number,
  schedule: readonly number[],
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
): number | null {
  if (attemptsMade < 1 || attemptsMade > schedule.length) return null;
  const scheduled = schedule[attemptsMade - 1] ?? 0;
  if (retryAfterSeconds !== undefined && retryAfterSeconds >= scheduled) return retryAfterSeconds;
  return Math.min(scheduled + jitterSeconds(scheduled, random), MAX_DELAY_SECONDS);
}

/**
 * Whether an attempt `delaySeconds` from now still falls within the delivery window
 * (72 h after the first attempt). Past it the delivery becomes a dead letter instead,
 * before Cloudflare Queues' retention could delete it unseen.
 */
export function withinDeliveryWindow(firstAttemptAt: number, delaySeconds: number, now = Date.now()): boolean {
  return now + delaySeconds * 1000 - firstAttemptAt <= DELIVERY_WINDOW_SECONDS * 1000;
}

/**
 * Adds 0 to 10 % of the delay in whole seconds, rounded down, so delays under
 * 20 s are exact (and short test schedules stay deterministic).
 */
export function jitterSeconds(delaySeconds: number, random: () => number = Math.random): number {
  const spread = Math.floor(delaySeconds / 10);
  return Math.min(Math.floor(random() * spread), Math.max(spread - 1, 0));
}
