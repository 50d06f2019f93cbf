import type { MiddlewareHandler } from "hono";
import type { Env } from "../core/env";
import { RelayError } from "../core/errors";
import { log } from "../core/log";

/** Hono env of the admin sub-apps: handlers add safe, route-specific fields to the request's log line. */
export type AdminEnv = { Bindings: Env; Variables: { logFields: Record<string, unknown> } };

/**
 * One structured JSON line per admin request, whatever its outcome (auth
 * failures included: it runs before `requireAdmin`). Errors have already been
 * turned into responses by `onError` when `next()` returns.
 */
export const logAdminRequest: MiddlewareHandler<AdminEnv> = async (c, next) => {
  const started = Date.now();
  await next();
  const status = c.res.status;
  log("admin", {
    method: c.req.method,
    path: new URL(c.req.url).pathname,
    status,
    outcome: status < 400 ? "ok" : "failed",
    ...(c.error instanceof RelayError ? { reason: c.error.message } : {}),
    ...c.get("logFields"),
    durationMs: Date.now() - started,
  });
};
