import { fetchRelay } from "./app";
import type { Env } from "./core/env";
import { handleQueue } from "./delivery/consumer";
import { previousMatches } from "./event-log/credential-matches";
import { refusals } from "./event-log/refusals";
import { pruneEventLog } from "./event-log/retention";
import type { QueueMessage } from "./queue/messages";

/** Durable Object classes must be exports of the Worker's entry (wrangler.toml binds them by class name). */
export { ChatRateLimiter } from "./delivery/chat/rate-limiter";

export default {
  fetch: fetchRelay,
  queue: handleQueue,
  /** The Cron Trigger: event-log retention, and any refusal and credential counts this isolate still holds. */
  async scheduled(_controller, env, _ctx) {
    await refusals.flush(env.RELAY_LOG);
    await previousMatches.flush(env.RELAY_LOG);
    await pruneEventLog(env);
  },
} satisfies ExportedHandler<Env, QueueMessage>;
