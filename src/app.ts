import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { admin } from "./admin/routes";
import { consolePages } from "./console";
import type { Env } from "./core/env";
import { errorResponse, onError } from "./core/errors";
import { log } from "./core/log";
import { health } from "./healthz";
import { ingest, webhookRoute } from "./ingest/routes";

// Not strict: a callback URL pasted with a trailing slash still reaches its route.
export const app = new Hono<{ Bindings: Env }>({ strict: false });

app.get("/healthz", (c) => c.json(health(c.env)));
app.all("/healthz", (c) => refuse(c, 405, `method ${c.req.method} is not allowed here`, { allow: "GET" }));
app.route("/admin", admin);
app.route("/console", consolePages);
app.notFound((c) =>
  refuse(c, 404, "not found: the relay answers /webhooks/<platform>[/<account>], /admin/…, /console and /healthz"),
);
app.onError(onError);

/**
 * The Worker's `fetch`: a callback to `/webhooks/<platform>[/<account>]` goes straight to its route,
 * without a router's dispatch or a second parse of its URL (the platform's deadline is what the relay
 * is fast for); every other request goes through {@link app}, which answers any other path 404.
 */
export function fetchRelay(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
  const route = webhookRoute(request.url);
  if (route === undefined) return app.fetch(request, env, ctx);
  // No execution context only in a direct call from a test: refusals are then counted at the next flush.
  const waitUntil =
    typeof ctx?.waitUntil === "function" ? (promise: Promise<unknown>) => ctx.waitUntil(promise) : undefined;
  return ingest(request, env, waitUntil, route);
}

/** Answers a request outside every route (or with the wrong method) with one log line. */
function refuse(c: Context, status: 404 | 405, reason: string, headers: Record<string, string> = {}): Response {
  log("request", { method: c.req.method, path: new URL(c.req.url).pathname, outcome: "rejected", status, reason });
  return errorResponse(status, status === 404 ? "not_found" : "method_not_allowed", reason, { headers });
}
