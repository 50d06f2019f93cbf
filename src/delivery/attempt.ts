import type { Target } from "../config/targets-schema";
import type { RelayEvent } from "../core/cloud-event";
import type { Env } from "../core/env";
import { log } from "../core/log";
import { MAX_DELAY_SECONDS, type Settings } from "../core/settings";
import type { EventJournal } from "../event-log/journal";
import type { ConnectionGate } from "../lib/connections";
import { SpillMissingError, wholeEvent } from "../queue/spill";
import { isChatTarget } from "./chat/chat-target";
import { type DeadLetter, type DeadLetterReason, storeDeadLetter } from "./dead-letters/store";
import { notCounted, PAST_WINDOW, RATE_LIMITED_DELAY_SECONDS, slotWait } from "./not-counted";
import type { RelayOutbox } from "./relay-events/outbox";
import { deliveryDead } from "./relay-events/own-events";
import { nextDelaySeconds, withinDeliveryWindow } from "./retry";
import { sendToTarget } from "./send";

/** What to do with an (event, target) pair after one attempt. */
export type Verdict = { kind: "delivered" } | RetryVerdict | DeadVerdict | GoneVerdict;

export interface RetryVerdict {
  kind: "retry";
  delaySeconds: number;
  /**
   * The attempts that count against the schedule so far: the next message's `attemptsBefore`. A
   * chat delivery that waited for a send slot, or that its bot answered "too fast", counts none.
   */
  attempts: number;
}

export interface DeadVerdict {
  kind: "dead";
  attempts: number;
  lastStatus: number | null;
  lastError: string;
}

/**
 * The target answered `410 Gone`, or a chat bot refused in a way only an operator can fix: it is
 * paused, and this delivery kept until it is resumed.
 */
export interface GoneVerdict extends Omit<DeadVerdict, "kind"> {
  kind: "gone";
  /** Why, for the pause record: the bot's code and message. */
  reason?: string;
}

export interface AttemptContext {
  env: Env;
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
  /** A redelivery an operator asked for: its attempts are marked `manual` in the event log. */
  manual?: boolean | undefined;
  /** The invocation's outbound connections: the attempt (and its timeout) starts when it gets one. */
  connections: ConnectionGate;
}

/**
 * Sends once, logs the attempt (one JSON line), and decides: delivered, retry after a delay, dead, or
 * (410, or a chat bot's refusal) paused. A chat target first needs a send slot: without one the
 * delivery waits in the queue, and that is no attempt. The slot is asked for once the attempt has its
 * connection, so a chat message goes out when its slot says, never later in a bunch.
 */
export async function attemptDelivery(target: Target, context: AttemptContext): Promise<Verdict> {
  const { env, event, body, attempt, firstAttemptAt, settings, journal } = context;
  const line = { id: event.id, provider: event.provider, target: target.id, attempt };
  const sent = await context.connections.run(async () => {
    const wait = isChatTarget(target) ? await slotWait(env, target, line) : undefined;
    if (wait !== undefined) return { wait };
    return { at: Date.now(), result: await sendToTarget(target, event.id, body) };
  });
  if ("wait" in sent) return notCounted(sent.wait, "no send slot", context, target, line);
  const { at, result } = sent;
  const record = {
    event,
    target: target.id,
    attempt,
    durationMs: result.durationMs,
    at,
    response: result.ok ? null : (result.response ?? null),
    manual: context.manual === true,
  };
  if (result.ok) {
    log("delivery", { ...line, outcome: "delivered", status: result.status, durationMs: result.durationMs });
    journal?.attempt({ ...record, status: result.status, error: null, outcome: "delivered" });
    return { kind: "delivered" };
  }
  if (result.status === 410 || result.answer === "refused") {
    const status = result.status ?? null;
    log("delivery", { ...line, outcome: "paused", status, reason: result.error, durationMs: result.durationMs });
    journal?.attempt({ ...record, status, error: result.error, outcome: "paused" });
    if (result.answer === "refused") {
      const lastError = `${result.error}: target paused`;
      return { kind: "gone", attempts: attempt, lastStatus: status, lastError, reason: result.error };
    }
    return { kind: "gone", attempts: attempt, lastStatus: 410, lastError: `${result.error} (Gone): target paused` };
  }
  if (result.answer === "rate-limited") {
    // Whole seconds, rounded up: a bot's wait may come in fractions (DingTalk's in minutes), and Queues takes none.
    const wait = Math.ceil(result.retryAfterSeconds ?? 0);
    const delay = Math.min(Math.max(RATE_LIMITED_DELAY_SECONDS, wait), MAX_DELAY_SECONDS);
    const verdict = notCounted(delay, result.error, context, target, line, result);
    journal?.attempt({
      ...record,
      status: result.status ?? null,
      error: verdict.kind === "dead" ? verdict.lastError : `${result.error}; rate limited: not counted as an attempt`,
      outcome: verdict.kind === "dead" ? "dead" : "retry",
    });
    return verdict;
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
  return { kind: "retry", delaySeconds, attempts: attempt };
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
  outbox?: RelayOutbox,
): Promise<DeadLetter> {
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
  // Given up (not kept for a pause, nor set aside by an operator): reported as `relay.delivery.dead`, about
  // the event as the queue carried it (a spilled event's stub, its texts bounded), so the report fits a message.
  if (reason === "failed")
    outbox?.add(deliveryDead({ ...letter, deadLetter: letter.id, event: burial.event }), burial.event);
  return letter;
}
