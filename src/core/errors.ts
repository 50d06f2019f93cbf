import type { Context } from "hono";
import { log } from "./log";

/**
 * Every `code` an error body can carry: stable names a client can switch on (the `error` text may
 * change; these do not). docs/admin-api.md lists each one; a test keeps the two in step.
 */
export const ERROR_CODES = [
  // Any route
  "not_found",
  "method_not_allowed",
  "payload_too_large",
  "relay_misconfigured",
  "internal_error",
  // Webhooks
  "provider_not_configured",
  "invalid_callback",
  "signature_invalid",
  "ip_not_allowed",
  // Admin API
  "admin_disabled",
  "unauthorized",
  "invalid_json",
  "invalid_body",
  "invalid_query",
  "invalid_account",
  "invalid_targets",
  "stored_targets_invalid",
  "unknown_target",
  "target_disabled",
  "no_matching_target",
  "unknown_event",
  "unknown_dead_letter",
  "unreadable_dead_letter",
  "queue_unavailable",
  "state_unavailable",
  "event_log_unavailable",
  "huawei_upstream_error",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 500 | 502 | 503;

interface ErrorOptions {
  /** Response headers, such as `allow` or `www-authenticate`. */
  headers?: Record<string, string>;
  /** Extra body members beside `error` and `code`, such as `problems`. */
  fields?: Record<string, unknown>;
}

/** The one error type: a status, a stable code and a message that names the fix. */
export class RelayError extends Error {
  readonly headers: Record<string, string>;
  readonly fields: Record<string, unknown>;

  constructor(
    readonly status: ErrorStatus,
    readonly code: ErrorCode,
    message: string,
    options: ErrorOptions = {},
  ) {
    super(message);
    this.headers = options.headers ?? {};
    this.fields = options.fields ?? {};
  }
}

/** The one error body: `{"error": "…", "code": "…", …fields}`. */
export function errorResponse(status: ErrorStatus, code: ErrorCode, message: string, options: ErrorOptions = {}) {
  return Response.json({ error: message, code, ...options.fields }, { status, headers: options.headers ?? {} });
}

/**
 * KV refused a write an admin request needs, or the request came back within the second KV waits between
 * two writes to one key: 503 `state_unavailable` with `Retry-After: 1`. Thrown only before anything
 * changed, so the message can say one more try is safe.
 */
export class StateRefusedError extends Error {}

/** Configuration mistakes are thrown: they are the operator's to fix, and the log names the var. */
export class SettingsError extends Error {}

/** The message of anything thrown (a non-Error value is turned into text). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a thrown error means: the response, and the outcome and reason the request's log line gives. */
interface ErrorOutcome {
  response: Response;
  outcome: "rejected" | "config-invalid" | "error";
  reason: string;
}

/**
 * The one mapping from thrown errors to responses. Unknown errors are answered 500 without detail.
 * (Every body limit and auth check throws a RelayError, so no Hono HTTPException reaches here.)
 */
export function describeError(error: Error): ErrorOutcome {
  if (error instanceof RelayError) {
    const { status, code, message, headers, fields } = error;
    return {
      response: errorResponse(status, code, message, { headers, fields }),
      outcome: "rejected",
      reason: message,
    };
  }
  if (error instanceof StateRefusedError) {
    return {
      response: errorResponse(503, "state_unavailable", error.message, { headers: { "retry-after": "1" } }),
      outcome: "rejected",
      reason: error.message,
    };
  }
  if (error instanceof SettingsError) {
    // A var the operator set wrong: say which, and answer 503 so platforms retry once it is fixed.
    return {
      response: errorResponse(503, "relay_misconfigured", `the relay is misconfigured: ${error.message}`),
      outcome: "config-invalid",
      reason: error.message,
    };
  }
  return {
    response: errorResponse(500, "internal_error", "internal error"),
    outcome: "error",
    reason: `unhandled: ${error.message}`,
  };
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
