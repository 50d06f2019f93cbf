import type { Target } from "../config/targets";
import type { Env } from "../env";
import type { EventJournal } from "../event-log/journal";
import type { RelayEvent } from "../events";
import { log } from "../log";
import { SpillMissingError, wholeEvent } from "../queue/spill";
import type { Settings } from "../settings";
import { type DeadLetterReason, storeDeadLetter } from "./dead-letters";
import { nextDelaySeconds, withinDeliveryWindow } from "./retry";
import { type AttemptResult, sendToTarget } from "./send";

/** What to do with an (event, target) pair after one attempt. */
export type Verdict = { kind: "delivered" } | { kind: "retry"; delaySeconds: number } | DeadVerdict | GoneVerdict;

export interface DeadVerdict {
  kind: "dead";
  attempts: number;
  lastStatus: number | null;
  lastError: string;
}

/** The target answered `410 Gone`: it is paused, and this delivery kept until it is resumed. */
export interface GoneVerdict extends Omit<DeadVerdict, "kind"> {
  kind: "gone";
}

export interface AttemptContext {
  event: RelayEvent;
  /** The event serialized once, sent to every target. */
  body: string;
  /** Attempts including this one. */
  attempt: number;
  /** When the first attempt was made (ms): no attempt is scheduled past the delivery window. */
  firstAttemptAt: number;
  settings: Settings;
  /** Where the attempt is recorded for the event log (written once per queue invocation). */
  journal?: EventJournal | undefined;
}

const PAST_WINDOW = "not retried: the next attempt would come more than 72 h after the first";

/** Sends once, logs the attempt (one JSON line), and decides: delivered, retry after a delay, or dead. */
export async function attemptDelivery(
  target: Target,
  { event, body, attempt, firstAttemptAt, settings, journal }: AttemptContext,
): Promise<Verdict> {
  const at = Date.now();
  const result: AttemptResult = await sendToTarget(target, event.id, body);
  const line = { id: event.id, provider: event.provider, target: target.id, attempt };
  const record = { event, target: target.id, attempt, durationMs: result.durationMs, at };
  if (result.ok) {
    log("delivery", { ...line, outcome: "delivered", status: result.status, durationMs: result.durationMs });
    journal?.attempt({ ...record, status: result.status, error: null, outcome: "delivered" });
    return { kind: "delivered" };
  }
  if (result.status === 410) {
    log("delivery", { ...line, outcome: "paused", status: 410, reason: result.error, durationMs: result.durationMs });
    journal?.attempt({ ...record, status: 410, error: result.error, outcome: "paused" });
    return { kind: "gone", attempts: attempt, lastStatus: 410, lastError: `${result.error} (Gone): target paused` };
  }
  const next = nextDelaySeconds(attempt, settings.retrySchedule, result.retryAfterSeconds);
  const pastWindow = next !== null && !withinDeliveryWindow(firstAttemptAt, next);
  const delaySeconds = pastWindow ? null : next;
  const reason = pastWindow ? `${result.error}; ${PAST_WINDOW}` : result.error;
  log("delivery", {
    ...line,
    outcome: delaySeconds === null ? "failed-final" : "failed",
    status: result.status ?? null,
    reason,
    durationMs: result.durationMs,
    ...(delaySeconds === null ? {} : { retryInSeconds: delaySeconds }),
    ...(result.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: result.retryAfterSeconds }),
  });
  const outcome = delaySeconds === null ? "dead" : "retry";
  journal?.attempt({ ...record, status: result.status ?? null, error: reason, outcome });
  if (delaySeconds === null) {
    return { kind: "dead", attempts: attempt, lastStatus: result.status ?? null, lastError: reason };
  }
  return { kind: "retry", delaySeconds };
}

export interface Burial {
  event: RelayEvent;
  target: string;
  /** When the first attempt was made (ms). */
  firstAttemptAt: number;
}

/**
 * Keeps a delivery that will not be attempted again where an operator can list
 * and replay it, and logs the final failure as one JSON line with its reason.
 * The record holds the whole event: a spilled stub is put back together first,
 * so a dead letter never depends on a KV key that expires.
 */
export async function buryDelivery(
  env: Env,
  burial: Burial,
  verdict: Omit<DeadVerdict, "kind"> & { reason?: DeadLetterReason },
): Promise<void> {
  const reason = verdict.reason ?? "failed";
  let event = burial.event;
  let lastError = verdict.lastError;
  try {
    event = await wholeEvent(env.RELAY_STATE, burial.event);
  } catch (error) {
    // KV unavailable: thrown, so the caller tries again. Payload missing this late: the stub is all there is.
    if (!(error instanceof SpillMissingError)) throw error;
    if (!lastError.includes(error.message)) lastError = `${lastError}; ${error.message}`;
  }
  const letter = await storeDeadLetter(env.RELAY_STATE, {
    target: burial.target,
    reason,
    event,
    attempts: verdict.attempts,
    lastStatus: verdict.lastStatus,
    lastError,
    firstAttemptAt: new Date(burial.firstAttemptAt).toISOString(),
    lastAttemptAt: new Date().toISOString(),
  });
  log("dead-letter", {
    id: burial.event.id,
    provider: burial.event.provider,
    target: burial.target,
    deadLetter: letter.id,
    outcome: reason === "failed" ? "stored" : reason,
    attempts: verdict.attempts,
    lastStatus: verdict.lastStatus,
    reason: lastError,
  });
}
