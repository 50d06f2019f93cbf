import type { Context } from "hono";
import { RelayError } from "../core/errors";
import { readBodyCapped } from "../lib/read-capped";

/**
 * The request body as text, read once; past `maxBytes` a 413 saying the limit (`message`), before
 * anything is parsed, so nothing is queued, stored or sent. A declared `Content-Length` over it is refused unread.
 */
export async function requestText(
  c: Context,
  maxBytes: number,
  message = `request body exceeds ${maxBytes} bytes`,
): Promise<string> {
  const bytes = await readBodyCapped(c.req.raw, maxBytes);
  if (bytes === undefined) throw new RelayError(413, "payload_too_large", message);
  return new TextDecoder().decode(bytes);
}

/**
 * Refuses query parameters a route does not know, so a typo is an error rather than an unfiltered answer,
 * and one given twice, whose second value would go unread.
 */
export function onlyParams(c: Context, known: readonly string[]): void {
  const query = c.req.queries();
  const unknown = Object.keys(query).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new RelayError(
      400,
      "invalid_query",
      `unknown query parameter ${unknown.join(", ")}; known: ${known.join(", ")}`,
    );
  }
  const twice = known.find((name) => (query[name]?.length ?? 0) > 1);
  if (twice)
    throw new RelayError(400, "invalid_query", `query parameter ${twice} is given more than once: give it once`);
}

/** What a list answers for a `?cursor=` that is not one it gave. */
export const INVALID_CURSOR = "cursor is not valid: pass back a cursor from a previous page";

/**
 * A KV list page read from `cursor`. The cursor a page answers starts with the `listing` it came
 * from (the KV prefix listed), so one from another listing is refused rather than read: KV would take
 * it and answer a page of the wrong keys, or none. KV refuses a cursor it did not give, and that is the
 * caller's mistake (400), not the relay's; without a cursor a failure stays what it is.
 */
export async function kvPage<T extends { cursor: string | null }>(
  listing: string,
  cursor: string | undefined,
  read: (cursor: string | undefined) => Promise<T>,
): Promise<T> {
  const mark = `${listing}~`;
  if (cursor !== undefined && !cursor.startsWith(mark)) throw new RelayError(400, "invalid_query", INVALID_CURSOR);
  let page: T;
  try {
    page = await read(cursor?.slice(mark.length));
  } catch (error) {
    if (cursor !== undefined) throw new RelayError(400, "invalid_query", INVALID_CURSOR);
    throw error;
  }
  return { ...page, cursor: page.cursor && mark + page.cursor };
}

/** `?limit=`: a whole number from 1 to `max`, `fallback` when absent. */
export function pageSize(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const limit = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= max))
    throw new RelayError(400, "invalid_query", `limit must be a whole number from 1 to ${max}`);
  return limit;
}

const AGE = /^(\d{1,6})([smhd])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const RFC3339 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/i;

/**
 * A time parameter (ms): an RFC 3339 time (`2026-11-25T08:00:00Z`, or a date for its
 * midnight UTC) or an age back from now (`30m`, `24h`, `7d`).
 */
export function timeParam(name: string, raw: string | undefined, now = Date.now()): number | undefined {
  if (raw === undefined) return undefined;
  const age = AGE.exec(raw);
  if (age) return now - Number(age[1]) * UNIT_MS[age[2] as keyof typeof UNIT_MS];
  const ms = RFC3339.test(raw) && onCalendar(raw) ? Date.parse(raw.toUpperCase()) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new RelayError(
      400,
      "invalid_query",
      `${name} must be an RFC 3339 time such as 2026-11-25T08:00:00Z, or an age such as 30m, 24h or 7d`,
    );
  }
  return ms;
}

/**
 * Whether the date a time starts with (`2026-02-30…`) is on the calendar: `Date.parse` takes any day
 * up to 31 and rolls it over into the next month.
 */
export function onCalendar(time: string): boolean {
  const [year, month, day] = time.slice(0, 10).split("-").map(Number) as [number, number, number];
  const lastDay = new Date(new Date(0).setUTCFullYear(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= lastDay;
}
