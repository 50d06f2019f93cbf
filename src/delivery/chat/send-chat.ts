import type { ChatTarget } from "../../config/targets-schema";
import type { RelayEvent } from "../../core/cloud-event";
import { errorMessage } from "../../core/errors";
import { VERSION } from "../../core/version";
import { encodeUtf8 } from "../../lib/bytes";
import { readCapped } from "../../lib/read-capped";
import { parseRetryAfter } from "../retry-after";
import { type AttemptResult, RESPONSE_EXCERPT_BYTES } from "../send";
import { BOTS } from "./bots";
import { chatContent } from "./content";
import { hostOnly } from "./host-only";

/** A bot's answer is a few hundred bytes; one larger than this is read no further (and is no success). */
const MAX_ANSWER_BYTES = 16 * 1024;

/**
 * One event as one chat message, sent once. Success is what the bot says (its code, or Slack's
 * `ok`), not the HTTP status; a rate-limit answer or a refusal is reported as such. Errors name
 * the bot's code and message and never the URL past its host. Never throws.
 */
export async function sendToChat(
  target: ChatTarget,
  body: string,
  timeoutMs: number,
  now: number,
): Promise<AttemptResult> {
  const started = Date.now();
  const failed = (error: string, status?: number, retryAfterSeconds?: number, answer?: "rate-limited" | "refused") => ({
    ok: false as const,
    status,
    error: hostOnly(error, target.url),
    retryAfterSeconds,
    durationMs: Date.now() - started,
    ...(answer === undefined ? {} : { answer }),
  });

  const bot = BOTS[target.kind];
  let request: { url: string; body: string };
  try {
    request = await bot.request(target, chatContent(JSON.parse(body) as RelayEvent, target), now);
  } catch (error) {
    return failed(`chat message could not be written: ${errorMessage(error)}`);
  }

  let response: Response;
  try {
    response = await fetch(request.url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "user-agent": `meeting-relay/${VERSION}` },
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    const timedOut = name === "TimeoutError" || name === "AbortError";
    const reason = timedOut ? `no answer within ${timeoutMs} ms` : `network error: ${errorMessage(error)}`;
    return failed(hostOnly(reason, request.url));
  }
  const retryAfterSeconds = parseRetryAfter(response.headers.get("retry-after"), Date.now());
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => {});
    return failed(`redirect (HTTP ${response.status}) not followed`, response.status, retryAfterSeconds);
  }
  const text = await readCapped(response.body, MAX_ANSWER_BYTES).catch(() => undefined);
  const answer = bot.answer(response.status, text);
  if (answer.outcome === "delivered") return { ok: true, status: response.status, durationMs: Date.now() - started };
  const said = hostOnly(answer.error, request.url);
  // A bot that says how long it blocks is left alone that long, or its Retry-After if longer.
  const wait = answer.outcome === "rate-limited" ? answer.waitSeconds : undefined;
  const result = failed(
    said,
    response.status,
    wait === undefined ? retryAfterSeconds : Math.max(wait, retryAfterSeconds ?? 0),
    answer.outcome === "failed" ? undefined : answer.outcome,
  );
  // The answer's first 1 KiB, as for a webhook; the URL past its host never shows.
  const shown = text ? hostOnly(text, target.url, request.url) : "";
  if (shown === "") return result;
  return { ...result, response: new TextDecoder().decode(encodeUtf8(shown).subarray(0, RESPONSE_EXCERPT_BYTES)) };
}
