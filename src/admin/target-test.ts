import type { Context } from "hono";
import type { Target } from "../config/targets";
import type { Env } from "../core/env";
import { RelayError } from "../core/errors";
import { log } from "../core/log";
import { chatRateLimit } from "../delivery/chat/chat-rate-limit";
import { isChatTarget } from "../delivery/chat/chat-target";
import { takeSlot } from "../delivery/chat/slots";
import { testEvent } from "../delivery/relay-events/own-events";
import { sendToTarget } from "../delivery/send";
import type { AdminEnv } from "./request-log";
import { currentTarget } from "./targets";

/** The answer's first bytes, as text: enough to read a bot's code and message or an error page's title. */
const RESPONSE_PREVIEW_BYTES = 1024;

/** What `POST /admin/targets/<id>/test` answers: the one attempt it made. */
interface TestAnswer {
  /** The target's HTTP status; null when no answer came (or no request was made). */
  status: number | null;
  durationMs: number;
  /** The first 1 KiB of the answer's body, as text, when the relay read it. */
  response: string | null;
  /** Delivered: a 2xx from a webhook, a chat bot's success code. */
  ok: boolean;
  /** Why not, in the words of the delivery log. */
  error?: string;
  /** Only when a chat target had no send slot now: ask again after this many seconds. */
  retryAfterSeconds?: number;
}

/**
 * `POST /admin/targets/<id>/test`: one `relay.test` event sent to that target now, signed as any delivery
 * (a chat target gets its chat message, within its rate limit). Not queued, not deduplicated, not in the
 * event log's counts. A paused target may be tested (that is how a fix is checked); a disabled one may not.
 */
export async function testTarget(c: Context<AdminEnv>): Promise<Response> {
  const target = await testableTarget(c.env, c.req.param("id") ?? "");
  const event = testEvent(target.id);
  const answer = await sendTest(c.env, target, event.id, JSON.stringify(event));
  c.set("logFields", { target: target.id, status: answer.status, ok: answer.ok });
  log("delivery", {
    id: event.id,
    provider: event.provider,
    target: target.id,
    outcome: answer.ok ? "test-delivered" : "test-failed",
    status: answer.status,
    durationMs: answer.durationMs,
    ...(answer.error === undefined ? {} : { reason: answer.error }),
  });
  return c.json(answer, 200);
}

async function testableTarget(env: Env, id: string): Promise<Target> {
  const target = await currentTarget(env, id);
  if (target.enabled === false) {
    throw new RelayError(
      409,
      "target_disabled",
      `target "${id}" is disabled: set "enabled": true (or remove it) in the targets document to test it`,
    );
  }
  return target;
}

async function sendTest(env: Env, target: Target, eventId: string, body: string): Promise<TestAnswer> {
  if (isChatTarget(target)) {
    const slot = await takeSlot(env, { id: target.id, rateLimit: chatRateLimit(target) }, Date.now());
    if ("waitSeconds" in slot) {
      const seconds = Math.max(1, Math.ceil(slot.waitSeconds));
      return {
        status: null,
        durationMs: 0,
        response: null,
        ok: false,
        error: `not sent: the bot's rate limit has no send slot now; try again in ${seconds} s`,
        retryAfterSeconds: seconds,
      };
    }
  }
  const result = await sendToTarget(target, eventId, body);
  const read = (result as { response?: unknown }).response;
  const response = typeof read === "string" ? read.slice(0, RESPONSE_PREVIEW_BYTES) : null;
  if (result.ok) return { status: result.status, durationMs: result.durationMs, response, ok: true };
  return { status: result.status ?? null, durationMs: result.durationMs, response, ok: false, error: result.error };
}
