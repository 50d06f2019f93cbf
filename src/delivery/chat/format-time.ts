import type { ChatLocale } from "../../config/target-kinds";

const BEIJING_OFFSET_MS = 8 * 3600_000;

/**
 * An event's time as a reader in that locale expects it, always with its zone: zh-CN in Beijing
 * time (`2026-11-21 18:00:00 (UTC+8)`), en in UTC (`2026-11-21 10:00:00 UTC`). A time that does not
 * parse is shown as it came.
 */
export function formatTime(time: string, locale: ChatLocale): string {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return time;
  const shifted = new Date(locale === "en" ? ms : ms + BEIJING_OFFSET_MS).toISOString();
  const clock = `${shifted.slice(0, 10)} ${shifted.slice(11, 19)}`;
  return locale === "en" ? `${clock} UTC` : `${clock} (UTC+8)`;
}
