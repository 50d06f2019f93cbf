import { MAX_DELAY_SECONDS } from "../settings";

/**
 * The delay before the next attempt, or `null` when the schedule is used up.
 * `attemptsMade` counts every attempt so far (1 after the first); a schedule of
 * n delays allows n + 1 attempts.
 *
 * A target's `Retry-After` (already capped at 12 h) is used exactly: the target
 * asked for it. Otherwise the scheduled delay gets a small jitter so that the
 * deliveries queued while a target was down do not all come back in the same second.
 */
export function nextDelaySeconds(
  attemptsMade: number,
  schedule: readonly number[],
  retryAfterSeconds: number | undefined,
  random: () => number = Math.random,
): number | null {
  if (attemptsMade < 1 || attemptsMade > schedule.length) return null;
  if (retryAfterSeconds !== undefined) return retryAfterSeconds;
  const scheduled = schedule[attemptsMade - 1] ?? 0;
  return Math.min(scheduled + jitterSeconds(scheduled, random), MAX_DELAY_SECONDS);
}

/**
 * Adds 0 to 10 % of the delay in whole seconds, rounded down, so delays under
 * 20 s are exact (and short test schedules stay deterministic).
 */
export function jitterSeconds(delaySeconds: number, random: () => number = Math.random): number {
  const spread = Math.floor(delaySeconds / 10);
  return Math.min(Math.floor(random() * spread), Math.max(spread - 1, 0));
}
