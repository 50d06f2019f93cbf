import { MAX_DELAY_SECONDS } from "../core/settings";

/** Every HTTP-date form (IMF-fixdate, RFC 850, asctime) starts with a day name. */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /i;

/**
 * A target's `Retry-After` (delta-seconds or HTTP-date) in whole seconds,
 * capped at 12 hours (the longest a queue message can be delayed); a date in
 * the past is 0. `undefined` when absent or unreadable, so the schedule applies.
 * https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) seconds = Number(trimmed);
  else if (HTTP_DATE.test(trimmed)) {
    const date = Date.parse(trimmed);
    if (Number.isNaN(date)) return undefined;
    seconds = Math.ceil((date - now) / 1000);
  } else return undefined;
  return Math.min(Math.max(seconds, 0), MAX_DELAY_SECONDS);
}
