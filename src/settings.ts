import { type Env, readSetting } from "./env";
import { SettingsError } from "./errors";

export const DEFAULT_RETRY_SCHEDULE = [10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200] as const;
/** Cloudflare Queues cannot delay a message longer than 12 hours. */
export const MAX_DELAY_SECONDS = 43_200;

export interface Settings {
  replayWindowSeconds: number;
  dedupTtlSeconds: number;
  /** Delays between attempts: attempts = schedule length + 1. */
  retrySchedule: readonly number[];
  allowInsecureTargets: boolean;
  huaweiApiBase: string;
}

function integer(env: Env, name: string, fallback: number, min: number): number {
  const raw = readSetting(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new SettingsError(`${name} must be a whole number of seconds, got "${raw}"`);
  return Math.max(Number(raw), min);
}

function schedule(env: Env): readonly number[] {
  const raw = readSetting(env, "RETRY_SCHEDULE");
  if (raw === undefined) return DEFAULT_RETRY_SCHEDULE;
  const parts = raw.split(",").map((part) => part.trim());
  if (parts.some((part) => !/^\d+$/.test(part))) {
    throw new SettingsError(`RETRY_SCHEDULE must be comma-separated whole seconds, got "${raw}"`);
  }
  return parts.map((part) => Math.min(Number(part), MAX_DELAY_SECONDS));
}

const cache = new WeakMap<Env, Settings>();

/** Parsed once per env object (that is, once per isolate in production). */
export function settingsOf(env: Env): Settings {
  let settings = cache.get(env);
  if (settings === undefined) {
    settings = {
      replayWindowSeconds: integer(env, "REPLAY_WINDOW_SECONDS", 3600, 0),
      dedupTtlSeconds: integer(env, "DEDUP_TTL_SECONDS", 86_400, 60),
      retrySchedule: schedule(env),
      allowInsecureTargets: readSetting(env, "ALLOW_INSECURE_TARGETS") === "true",
      huaweiApiBase: readSetting(env, "HUAWEI_MEETING_API_BASE") ?? "https://api.meeting.huaweicloud.com",
    };
    cache.set(env, settings);
  }
  return settings;
}
