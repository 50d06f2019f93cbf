/** A chat target's rate limit as the bots publish theirs: messages per minute and per second. */
export interface RateLimit {
  perMinute?: number;
  perSecond?: number;
}

/** At most `max` sends in any `ms` milliseconds: a sliding window, as the bots count. */
export interface RateWindow {
  ms: number;
  max: number;
}

/**
 * How much wider than the bot's own window the relay keeps sends apart: 5 % of it, at most one
 * second (61 s for "20 per minute", 1.05 s for "5 per second"). The bot counts a message when it
 * arrives, and the time from a granted slot to the arrival varies (the round trip to the rate
 * limiter, the request to the bot); a DingTalk robot that counts 21 in its minute is blocked for 10.
 */
function keptWindowMs(ms: number): number {
  return ms + Math.min(1000, ms * 0.05);
}

/**
 * The windows a rate limit keeps, each already widened by its margin; none when the limit sets
 * neither. A value that is not a whole number of at least 1 is a programming error (the targets
 * document is validated on load): it throws, and the caller waits rather than sending unthrottled.
 */
export function rateWindows(limit: RateLimit): RateWindow[] {
  const windows: RateWindow[] = [];
  for (const [ms, max] of [
    [60_000, limit.perMinute],
    [1000, limit.perSecond],
  ] as const) {
    if (max === undefined) continue;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`rate limit ${max} is not a whole number ≥ 1`);
    windows.push({ ms: keptWindowMs(ms), max });
  }
  return windows;
}
