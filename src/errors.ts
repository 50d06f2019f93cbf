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

/** The message of anything thrown (a non-Error value is turned into text). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a thrown error means: the response, and the outcome and reason the request's log line gives. */
export interface ErrorOutcome {
  response: Response;
  outcome: "rejected" | "config-invalid" | "error";
  reason: string;
}

/** The one mapping from thrown errors to responses. Unknown errors are answered 500 without detail. */
export function describeError(error: Error): ErrorOutcome {
  if (error instanceof RelayError) {
    return {
      response: errorResponse(error.status, error.message, error.headers),
      outcome: "rejected",
      reason: error.message,
    };
  }
  if (error instanceof SettingsError) {
    // A var the operator set wrong: say which, and answer 503 so platforms retry once it is fixed.
    return {
      response: errorResponse(503, `the relay is misconfigured: ${error.message}`),
      outcome: "config-invalid",
      reason: error.message,
    };
  }
  if (error instanceof HTTPException) {
    const message = error.message || statusText(error.status);
    return { response: errorResponse(error.status, message), outcome: "rejected", reason: message };
  }
  return { response: errorResponse(500, "internal error"), outcome: "error", reason: `unhandled: ${error.message}` };
}

/**
 * Hono's error handler outside ingest (which logs its own line per request): answers with
 * `describeError` and logs the errors no other line reports.
 */
export function onError(error: Error, c: Context): Response {
  const { response, outcome, reason } = describeError(error);
  const path = new URL(c.req.url).pathname;
  if (outcome === "config-invalid") log("config-invalid", { path, reason });
  if (outcome === "error") log("error", { path, reason: "unhandled", message: error.message });
  return response;
}

function statusText(status: number): string {
  return status === 401 ? "unauthorized" : status === 413 ? "request body too large" : "request failed";
}
