import type { Target } from "../config/targets";
import type { Env } from "../env";
import type { RelayEvent } from "../events";
import { log } from "../log";
import type { Settings } from "../settings";
import { storeDeadLetter } from "./dead-letters";
import type { DeliveryMessage } from "./messages";
import { nextDelaySeconds } from "./retry";
import { type AttemptResult, sendToTarget } from "./send";

/** What to do with an (event, target) pair after one attempt. */
export type Verdict =
  | { kind: "delivered" }
  | { kind: "retry"; delaySeconds: number }
  | { kind: "dead"; attempts: number; lastStatus: number | null; lastError: string };

export interface AttemptContext {
  event: RelayEvent;
  /** The event serialized once, sent to every target. */
  body: string;
  /** Attempts including this one. */
  attempt: number;
  settings: Settings;
}

/** Sends once, logs the attempt, and decides: delivered, retry after a delay, or dead. */
export async function attemptDelivery(
  target: Target,
  { event, body, attempt, settings }: AttemptContext,
): Promise<Verdict> {
  const result: AttemptResult = await sendToTarget(target, event.id, body);
  if (result.ok) {
    log("delivery", {
      id: event.id,
      target: target.id,
      attempt,
      outcome: "delivered",
      status: result.status,
      durationMs: result.durationMs,
    });
    return { kind: "delivered" };
  }
  const delaySeconds = nextDelaySeconds(attempt, settings.retrySchedule, result.retryAfterSeconds);
  log("delivery", {
    id: event.id,
    target: target.id,
    attempt,
    outcome: delaySeconds === null ? "failed-final" : "failed",
    status: result.status ?? null,
    error: result.error,
    durationMs: result.durationMs,
    ...(delaySeconds === null ? {} : { retryInSeconds: delaySeconds }),
  });
  if (delaySeconds === null)
    return { kind: "dead", attempts: attempt, lastStatus: result.status ?? null, lastError: result.error };
  return { kind: "retry", delaySeconds };
}

/** Keeps a delivery that will not be attempted again where an operator can list and replay it. */
export async function buryDelivery(
  env: Env,
  message: Pick<DeliveryMessage, "event" | "target" | "firstAttemptAt">,
  verdict: Extract<Verdict, { kind: "dead" }>,
): Promise<void> {
  const letter = await storeDeadLetter(env.RELAY_STATE, {
    target: message.target,
    event: message.event,
    attempts: verdict.attempts,
    lastStatus: verdict.lastStatus,
    lastError: verdict.lastError,
    firstAttemptAt: new Date(message.firstAttemptAt).toISOString(),
    lastAttemptAt: new Date().toISOString(),
  });
  log("dead-letter", {
    id: message.event.id,
    target: message.target,
    deadLetter: letter.id,
    attempts: verdict.attempts,
    lastStatus: verdict.lastStatus,
    reason: verdict.lastError,
  });
}
