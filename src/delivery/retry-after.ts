import { MAX_DELAY_SECONDS } from "../settings";

/**
 * A target's `Retry-After` (delta-seconds or HTTP-date) in whole seconds,
 * capped at 12 hours; `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) seconds = Number(trimmed);
  else {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    seconds = Math.ceil((date - now) / 1000);
  }
  return Math.min(Math.max(seconds, 0), MAX_DELAY_SECONDS);
}
