/**
 * The delay before the next attempt, or `null` when the schedule is used up.
 * `attemptsMade` counts every attempt so far (1 after the first); a schedule of
 * n delays allows n + 1 attempts. A target's `Retry-After` (already capped) wins.
 */
export function nextDelaySeconds(
  attemptsMade: number,
  schedule: readonly number[],
  retryAfterSeconds: number | undefined,
): number | null {
  if (attemptsMade > schedule.length) return null;
  return retryAfterSeconds ?? schedule[attemptsMade - 1] ?? null;
}
