import type { Target } from "../config/targets";
import { VERSION } from "../version";
import { parseRetryAfter } from "./retry-after";
import { signWebhook } from "./sign";

export const DEFAULT_TIMEOUT_MS = 10_000;

export type AttemptResult =
  | { ok: true; status: number; durationMs: number }
  | { ok: false; status: number | undefined; error: string; retryAfterSeconds: number | undefined; durationMs: number };

/**
 * One POST of one event to one target. Success is any 2xx within the target's
 * timeout; redirects are not followed (a 3xx is a failure), and so is everything else.
 */
export async function sendToTarget(
  target: Target,
  eventId: string,
  body: string,
  now = Date.now(),
): Promise<AttemptResult> {
  const timestamp = Math.floor(now / 1000);
  const headers = new Headers(target.headers);
  headers.set("content-type", "application/cloudevents+json; charset=utf-8");
  headers.set("user-agent", `meeting-relay/${VERSION}`);
  headers.set("webhook-id", eventId);
  headers.set("webhook-timestamp", String(timestamp));
  if (target.secret) headers.set("webhook-signature", await signWebhook(target.secret, eventId, timestamp, body));

  const started = Date.now();
  const timeoutMs = target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return {
      ok: false,
      status: undefined,
      error: timedOut ? `no answer within ${timeoutMs} ms` : `network error: ${(error as Error).message}`,
      retryAfterSeconds: undefined,
      durationMs: Date.now() - started,
    };
  }
  // The body is not ours to read; release the connection.
  await response.body?.cancel().catch(() => {});
  const durationMs = Date.now() - started;
  if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, durationMs };
  return {
    ok: false,
    status: response.status,
    error:
      response.status >= 300 && response.status < 400
        ? `redirect (${response.status}) not followed`
        : `HTTP ${response.status}`,
    retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after"), Date.now()),
    durationMs,
  };
}
