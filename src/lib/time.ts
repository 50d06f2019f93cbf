const BEIJING_OFFSET_MS = 8 * 3600 * 1000;
/**
 * The times RFC 3339 can write: years 0000 to 9999. A `Date` holds far more (±8.64e15 ms), but
 * written as `+033658-…` it is no RFC 3339 time, and a step later (a time zone added) it throws.
 */
const MIN_RFC3339_MS = -62_167_219_200_000; // 0000-01-01T00:00:00Z (Date.UTC reads years 0 to 99 as 19xx)
const MAX_RFC3339_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Unix seconds or milliseconds (values above 10^12 are milliseconds) to milliseconds. */
export function epochToMs(value: number): number {
  return value > 1e12 ? value : value * 1000;
}

/** RFC 3339 UTC, second precision: `2020-12-29T09:41:06Z`. Only for times known to be real (the clock's). */
export function isoFromMs(ms: number): string {
  // `toISOString` always ends in `.sssZ` (years past 9999 too): the milliseconds are cut off.
  return `${new Date(ms).toISOString().slice(0, -5)}Z`;
}

/**
 * {@link isoFromMs} for a time from outside: `undefined` for anything RFC 3339 cannot write
 * (`NaN`, ±Infinity, before year 0000 or after 9999), which the caller leaves out.
 */
export function isoTime(ms: number): string | undefined {
  return ms >= MIN_RFC3339_MS && ms <= MAX_RFC3339_MS ? isoFromMs(ms) : undefined;
}

const ZONELESS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/;
/** The same with its zone (`Z`, `±hh:mm`): the only other text read (`Date.parse` alone takes `-1` for 2001). */
const ZONED = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A provider time to RFC 3339 UTC. Numbers (or digit strings) are Unix seconds or
 * milliseconds; zone-less date-times such as Tencent's `2020-12-29 17:41:06` (a fraction of a
 * second dropped) are Beijing time (UTC+8); other date-times must state their zone. Returns
 * `undefined` for anything else, zero, out of range or not on the calendar (a signed callback
 * with an odd time is still an event).
 */
export function providerTime(value: unknown): string | undefined {
  if (typeof value === "number") {
    return value > 0 ? isoTime(epochToMs(value)) : undefined;
  }
  if (typeof value !== "string" || value === "") return undefined;
  if (/^\d+$/.test(value)) return providerTime(Number(value));
  const zoneless = ZONELESS.exec(value);
  if (zoneless) return beijingTime(zoneless.slice(1).map(Number));
  // `Date.parse` rolls 2020-02-30 over to March 1st as well: the date and time must be on the calendar first.
  const zoned = ZONED.exec(value);
  return zoned && onCalendar(zoned.slice(1).map(Number)) !== undefined ? isoTime(Date.parse(value)) : undefined;
}

/** `[year, month, day, hour, minute, second]` in Beijing time; `undefined` unless it is a real moment. */
function beijingTime(parts: number[]): string | undefined {
  const local = onCalendar(parts);
  return local === undefined ? undefined : isoTime(local - BEIJING_OFFSET_MS);
}

/** `[year, month, day, hour, minute, second]` read as UTC (ms), or `undefined` when it is not on the calendar. */
function onCalendar([y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0]: number[]): number | undefined {
  // Set field by field: `Date.UTC` would read years 0 to 99 as 19xx.
  const local = new Date(0);
  local.setUTCFullYear(y, mo - 1, d);
  local.setUTCHours(h, mi, s);
  // The setters roll 2020-02-30 over to March 1st; a time that does not read back is not on the calendar.
  const readsBack =
    local.getUTCFullYear() === y &&
    local.getUTCMonth() === mo - 1 &&
    local.getUTCDate() === d &&
    local.getUTCHours() === h &&
    local.getUTCMinutes() === mi &&
    local.getUTCSeconds() === s;
  return readsBack ? local.getTime() : undefined;
}
