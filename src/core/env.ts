import type { ChatRateLimiter } from "../delivery/chat/rate-limiter";
import type { QueueMessage } from "../queue/messages";

/** Bindings, secrets and vars (docs/deploy.md). Account-suffixed credentials are read by name. */
export interface Env {
  RELAY_CONFIG: KVNamespace;
  RELAY_STATE: KVNamespace;
  /** Ingest → fan-out. */
  EVENTS_QUEUE: Queue<QueueMessage>;
  /** One message per (event, target) that still needs delivering. */
  DELIVERIES_QUEUE: Queue<QueueMessage>;
  /** The console's static files (`public/`), served by src/console.ts. */
  ASSETS: Fetcher;
  /** The event log: accepted events, delivery attempts, refusal counts. Written by the consumers only. */
  RELAY_LOG: D1Database;
  /** One Durable Object per rate-limited chat target: hands out its send slots (src/delivery/chat/slots.ts). */
  CHAT_RATE_LIMITER: DurableObjectNamespace<ChatRateLimiter>;

  TENCENT_MEETING_TOKEN?: string;
  TENCENT_MEETING_ENCODING_AES_KEY?: string;
  HUAWEI_MEETING_APP_ID?: string;
  HUAWEI_MEETING_APP_KEY?: string;
  YUNHUNI_TOKEN?: string;
  YUNHUNI_ALLOWED_IPS?: string;
  TIW_CALLBACK_KEY?: string;
  ADMIN_TOKEN?: string;
  REPLAY_WINDOW_SECONDS?: string;
  DEDUP_TTL_SECONDS?: string;
  RETRY_SCHEDULE?: string;
  ALLOW_INSECURE_TARGETS?: string;
  HUAWEI_MEETING_API_BASE?: string;
  EVENT_LOG_RETENTION_DAYS?: string;
}

/**
 * A var or credential by full name (`TENCENT_MEETING_TOKEN_ACME`), as text; empty strings count as unset.
 * wrangler.toml `[vars]` written without quotes (`EVENT_LOG_RETENTION_DAYS = 7`, `HUAWEI_MEETING_APP_ID =
 * 12345678`, `ALLOW_INSECURE_TARGETS = true`, `RETRY_SCHEDULE = [10, 30]`) reach the Worker as JSON values:
 * each is read as the text it stands for (an array as its items joined by commas), never as unset.
 */
export function readSetting(env: Env, name: string): string | undefined {
  const value = (env as unknown as Record<string, unknown>)[name];
  const text =
    typeof value === "string"
      ? value
      : typeof value === "number" || typeof value === "boolean" || Array.isArray(value)
        ? String(value)
        : isPlainObject(value)
          ? JSON.stringify(value)
          : undefined; // unset, or a binding (a KV namespace, a queue): never a setting
  return text === undefined || text.trim() === "" ? undefined : text.trim();
}

function isPlainObject(value: unknown): value is object {
  return typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
