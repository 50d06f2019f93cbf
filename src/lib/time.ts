const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/** Unix seconds or milliseconds (values above 10^12 are milliseconds) to milliseconds. */
export function epochToMs(value: number): number {
  return value > 1e12 ? value : value * 1000;
}

/** RFC 3339 UTC, second precision: `2020-12-29T09:41:06Z`. */
export function isoFromMs(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const ZONELESS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/**
 * A provider time to RFC 3339 UTC. Numbers (or digit strings) are Unix seconds or
 * milliseconds; zone-less date-times such as Tencent's `2020-12-29 17:41:06` are
 * Beijing time (UTC+8). Returns `undefined` for anything unreadable or zero.
 */
export function providerTime(value: unknown): string | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) && value > 0 ? isoFromMs(epochToMs(value)) : undefined;
  }
  if (typeof value !== "string" || value === "") return undefined;
  if (/^\d+$/.test(value)) return providerTime(Number(value));
  const zoneless = ZONELESS.exec(value);
  if (zoneless) {
    const [, y, mo, d, h, mi, s] = zoneless.map(Number) as number[];
    const utc = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0) - BEIJING_OFFSET_MS;
    return Number.isNaN(utc) ? undefined : isoFromMs(utc);
  }
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : isoFromMs(parsed);
}
