import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { log } from "./log";

/** The one error type: a status and a clear message, rendered as `{"error": "…"}`. */
export class RelayError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 502 | 503,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorResponse(status: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: message }, { status, headers });
}

/** Configuration mistakes are thrown: they are the operator's to fix, and the log names the var. */
export class SettingsError extends Error {}

/** The one mapping from thrown errors to responses. Unknown errors are logged and answered 500 without detail. */
export function onError(error: Error, c: Context): Response {
  if (error instanceof RelayError) return errorResponse(error.status, error.message, error.headers);
  if (error instanceof SettingsError) {
    // A var the operator set wrong: say which, and answer 503 so platforms retry once it is fixed.
    log("config-invalid", { path: new URL(c.req.url).pathname, reason: error.message });
    return errorResponse(503, `the relay is misconfigured: ${error.message}`);
  }
  if (error instanceof HTTPException) {
    return errorResponse(error.status, error.message || statusText(error.status));
  }
  log("error", { path: new URL(c.req.url).pathname, reason: "unhandled", message: error.message });
  return errorResponse(500, "internal error");
}

function statusText(status: number): string {
  return status === 401 ? "unauthorized" : status === 413 ? "request body too large" : "request failed";
}
