import {
  KV_MAX_TTL_SECONDS,
  KV_MIN_TTL_SECONDS,
  QUEUE_MAX_DELAY_SECONDS,
  QUEUE_RETENTION_SECONDS,
} from "../lib/limits";
import { type Env, readSetting } from "./env";
import { SettingsError } from "./errors";

/**
 * What each var means when it is unset, written as in wrangler.toml `[vars]`. This is the one source:
 * a test checks that wrangler.toml and docs/deploy.md state the same values.
 */
export const DEFAULTS = {
  REPLAY_WINDOW_SECONDS: "86400",
  DEDUP_TTL_SECONDS: "86400",
  RETRY_SCHEDULE: "10,30,60,300,900,1800,3600,7200,14400,28800,43200",
  ALLOW_INSECURE_TARGETS: "false",
  HUAWEI_MEETING_API_BASE: "https://api.meeting.huaweicloud.com",
  EVENT_LOG_RETENTION_DAYS: "14",
} as const;

/**
 * The fixed waits (not vars): how long a message waits in its queue before it comes back, by cause. None
 * of them counts as a delivery attempt; every one is far inside the delivery window.
 */
export const WAITS = {
  /** A fan-out that could not finish (KV or Queues unavailable). */
  fanOutRetrySeconds: 10,
  /** A split of a callback's events that could not finish (KV or Queues unavailable). */
  splitRetrySeconds: 10,
  /** The targets document or a var is invalid or unreadable: messages wait for the fix. */
  configRetrySeconds: 30,
  /** An unexpected error while handling a delivery (a KV outage while burying, say). */
  errorRetrySeconds: 30,
  /** A chat target's rate limiter could not answer: ask again, never send unthrottled. */
  slotUnavailableRetrySeconds: 30,
  /** A chat bot answered "too fast": left alone at least this long (or its Retry-After, when longer). */
  rateLimitedSeconds: 60,
  /** A dead letter that could not be stored (KV unavailable); wrangler.toml's DLQ `retry_delay` too. */
  deadLetterStoreRetrySeconds: 60,
} as const;

export const DEFAULT_RETRY_SCHEDULE: readonly number[] = DEFAULTS.RETRY_SCHEDULE.split(",").map(Number);
/** Cloudflare Queues cannot delay a message longer than 12 hours. */
export const MAX_DELAY_SECONDS = QUEUE_MAX_DELAY_SECONDS;
/**
 * How long after its first attempt a delivery may still be attempted: 72 h. Cloudflare Queues
 * deletes a message 4 days after it was sent (the default retention), without a dead letter,
 * so a pending delivery is buried well before that; the last day is the margin for backlogs.
 */
export const DELIVERY_WINDOW_SECONDS = QUEUE_RETENTION_SECONDS - 24 * 3600;
/** RETRY_SCHEDULE must fit in the window with an hour to spare for time spent waiting in a backlog. */
const SCHEDULE_LIMIT_SECONDS = DELIVERY_WINDOW_SECONDS - 3600;
/** The most the relay adds to a scheduled delay: under 10 % (see src/delivery/retry.ts), never past 12 h. */
function longestDelaySeconds(scheduled: number): number {
  return Math.min(scheduled + Math.max(Math.floor(scheduled / 10) - 1, 0), MAX_DELAY_SECONDS);
}

export interface Settings {
  replayWindowSeconds: number;
  dedupTtlSeconds: number;
  /** Delays between attempts: attempts = schedule length + 1. */
  retrySchedule: readonly number[];
  allowInsecureTargets: boolean;
  huaweiApiBase: string;
}

function integer(env: Env, name: "REPLAY_WINDOW_SECONDS" | "DEDUP_TTL_SECONDS", min: number, max = Infinity): number {
  const raw = readSetting(env, name) ?? DEFAULTS[name];
  if (!/^\d+$/.test(raw)) throw new SettingsError(`${name} must be a whole number of seconds, got "${raw}"`);
  const value = Math.max(Number(raw), min);
  if (value > max) throw new SettingsError(`${name} must be at most ${max} seconds, got "${raw}"`);
  return value;
}

function schedule(env: Env): readonly number[] {
  const raw = readSetting(env, "RETRY_SCHEDULE");
  if (raw === undefined) return DEFAULT_RETRY_SCHEDULE;
  const parts = raw.split(",").map((part) => part.trim());
  if (parts.some((part) => !/^\d+$/.test(part))) {
    throw new SettingsError(`RETRY_SCHEDULE must be comma-separated whole seconds, got "${raw}"`);
  }
  const delays = parts.map((part) => Math.min(Number(part), MAX_DELAY_SECONDS));
  const longest = delays.reduce((sum, delay) => sum + longestDelaySeconds(delay), 0);
  if (longest > SCHEDULE_LIMIT_SECONDS) {
    throw new SettingsError(
      `RETRY_SCHEDULE adds up to ${longest} s with jitter, more than ${SCHEDULE_LIMIT_SECONDS} s (71 h): a delivery is given at most 72 h, because Cloudflare Queues deletes a message after 4 days`,
    );
  }
  return delays;
}

const cache = new WeakMap<Env, Settings>();

/**
 * `REPLAY_WINDOW_SECONDS`, within `DEDUP_TTL_SECONDS`: inside the replay window a replayed request
 * verifies, so it must still meet its dedup marker and be dropped as a repeat. `0` turns the
 * check off (dedup alone then stands). The default is a day, not an hour: a platform retries a
 * callback the relay could not take with its first signature (Huawei for 24 h), and a short window
 * would refuse every such retry after an hour of trouble.
 */
function replayWindow(env: Env, dedupTtlSeconds: number): number {
  const window = integer(env, "REPLAY_WINDOW_SECONDS", 0);
  if (window > dedupTtlSeconds) {
    throw new SettingsError(
      `REPLAY_WINDOW_SECONDS (${window}) must not exceed DEDUP_TTL_SECONDS (${dedupTtlSeconds}): a signed request replayed within the replay window must still be remembered as a repeat; lower REPLAY_WINDOW_SECONDS or raise DEDUP_TTL_SECONDS`,
    );
  }
  return window;
}

/** Parsed once per env object (that is, once per isolate in production). */
export function settingsOf(env: Env): Settings {
  let settings = cache.get(env);
  if (settings === undefined) {
    const dedupTtlSeconds = integer(env, "DEDUP_TTL_SECONDS", KV_MIN_TTL_SECONDS, KV_MAX_TTL_SECONDS);
    settings = {
      replayWindowSeconds: replayWindow(env, dedupTtlSeconds),
      dedupTtlSeconds,
      retrySchedule: schedule(env),
      allowInsecureTargets: (readSetting(env, "ALLOW_INSECURE_TARGETS") ?? DEFAULTS.ALLOW_INSECURE_TARGETS) === "true",
      huaweiApiBase: readSetting(env, "HUAWEI_MEETING_API_BASE") ?? DEFAULTS.HUAWEI_MEETING_API_BASE,
    };
    cache.set(env, settings);
  }
  return settings;
}
