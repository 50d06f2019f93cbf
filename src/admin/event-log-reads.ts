import type { MiddlewareHandler } from "hono";
import { describeError, errorResponse } from "../core/errors";
import type { AdminEnv } from "./request-log";

export const EVENT_LOG_UNREADABLE =
  "the event log (D1 RELAY_LOG) could not be read; check the binding, and after an upgrade apply the " +
  "migrations: wrangler d1 migrations apply RELAY_LOG --remote";

/**
 * The event log is an aid, not the source of truth: when D1 cannot be read (an outage, or an
 * upgrade whose migrations are not applied yet) its routes answer 503 saying what to check,
 * never a bare 500. Mistakes in the request keep their own 4xx.
 */
export const eventLogReads: MiddlewareHandler<AdminEnv> = async (c, next) => {
  await next();
  // A redelivery reads the log once and says so itself (./events.ts): its other failures (KV, say) are not the log's.
  if (c.req.method !== "GET" && c.req.method !== "HEAD") return;
  if (c.error === undefined || describeError(c.error).outcome !== "error") return;
  c.res = errorResponse(503, "event_log_unavailable", EVENT_LOG_UNREADABLE);
};
