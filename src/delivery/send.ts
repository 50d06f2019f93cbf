import type { Target, WebhookTarget } from "../config/targets-schema";
import { errorMessage } from "../core/errors";
import { VERSION } from "../core/version";
import { isChatTarget } from "./chat/chat-target";
import { sendToChat } from "./chat/send-chat";
import { parseRetryAfter } from "./retry-after";
import { signWebhook } from "./sign";

const DEFAULT_TIMEOUT_MS = 10_000;
/** Of a failed answer's body, this much is read (as text, for the event log); the rest is never read. */
export const RESPONSE_EXCERPT_BYTES = 1024;

export type AttemptResult =
  | { ok: true; status: number; durationMs: number }
  | {
      ok: false;
      status: number | undefined;
      error: string;
      retryAfterSeconds: number | undefined;
      durationMs: number;
      /** The first {@link RESPONSE_EXCERPT_BYTES} of the answer's body as text, when an answer came. */
      response?: string | undefined;
      /**
       * What a chat bot's answer said beyond "failed": too fast (`rate-limited`), or never again
       * until someone fixes the bot (`refused`). Webhook targets never set it.
       */
      answer?: "rate-limited" | "refused";
    };

type AttemptFailure = Extract<AttemptResult, { ok: false }>;

/**
 * One POST of one event to one target: to a chat target, the event as one message in its bot's
 * format (./chat/send-chat.ts); to a webhook, the CloudEvent. A webhook's success is any 2xx within
 * the target's timeout; redirects are not followed (a 3xx is a failure), and so is everything
 * else, including a target whose headers or secret cannot be used. Never throws:
 * a throw would make the fan-out re-send to targets that already have the event.
 */
export async function sendToTarget(
  target: Target,
  eventId: string,
  body: string,
  now = Date.now(),
): Promise<AttemptResult> {
  if (isChatTarget(target)) return sendToChat(target, body, target.timeoutMs ?? DEFAULT_TIMEOUT_MS, now);
  return sendToWebhook(target, eventId, body, now);
}

async function sendToWebhook(
  target: WebhookTarget,
  eventId: string,
  body: string,
  now: number,
): Promise<AttemptResult> {
  const started = Date.now();
  const failed = (error: string, status?: number, retryAfterSeconds?: number): AttemptFailure => ({
    ok: false,
    status,
    error,
    retryAfterSeconds,
    durationMs: Date.now() - started,
  });

  let headers: Headers;
  try {
    headers = await deliveryHeaders(target, eventId, body, now);
  } catch (error) {
    return failed(`target configuration: ${errorMessage(error)}`);
  }

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
    const name = error instanceof Error ? error.name : "";
    const timedOut = name === "TimeoutError" || name === "AbortError";
    return failed(timedOut ? `no answer within ${timeoutMs} ms` : `network error: ${errorMessage(error)}`);
  }
  if (response.status >= 200 && response.status < 300) {
    // A success's body is not ours to read; release the connection.
    await response.body?.cancel().catch(() => {});
    return { ok: true, status: response.status, durationMs: Date.now() - started };
  }
  const redirect = response.status >= 300 && response.status < 400;
  const result = failed(
    redirect ? `redirect (HTTP ${response.status}) not followed` : `HTTP ${response.status}`,
    response.status,
    parseRetryAfter(response.headers.get("retry-after"), Date.now()),
  );
  const excerpt = await responseExcerpt(response.body, RESPONSE_EXCERPT_BYTES);
  return excerpt === undefined ? result : { ...result, response: excerpt };
}

/**
 * The first `maxBytes` of a body as text (a character cut at the edge becomes U+FFFD), then the
 * rest is cancelled unread: a receiver that answers with megabytes costs 1 KiB. Undefined for an
 * empty body or one that fails while read.
 */
export async function responseExcerpt(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<string | undefined> {
  if (body === null) return undefined;
  const reader = body.getReader();
  const kept = new Uint8Array(maxBytes);
  let length = 0;
  try {
    while (length < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.byteLength, maxBytes - length);
      kept.set(value.subarray(0, take), length);
      length += take;
    }
  } catch {
    return length === 0 ? undefined : new TextDecoder().decode(kept.subarray(0, length));
  } finally {
    await reader.cancel().catch(() => {});
  }
  return length === 0 ? undefined : new TextDecoder().decode(kept.subarray(0, length));
}

/** Standard Webhooks headers over the target's static ones, which cannot override them. */
async function deliveryHeaders(target: WebhookTarget, eventId: string, body: string, now: number): Promise<Headers> {
  const timestamp = Math.floor(now / 1000);
  const headers = new Headers(target.headers);
  headers.set("content-type", "application/cloudevents+json; charset=utf-8");
  headers.set("user-agent", `meeting-relay/${VERSION}`);
  headers.set("webhook-id", eventId);
  headers.set("webhook-timestamp", String(timestamp));
  if (target.secret) headers.set("webhook-signature", await signWebhook(target.secret, eventId, timestamp, body));
  return headers;
}
