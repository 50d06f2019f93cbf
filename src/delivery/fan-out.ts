import type { Target } from "../config/targets";
import type { RelayEvent } from "../core/cloud-event";
import type { Env } from "../core/env";
import { errorMessage } from "../core/errors";
import { log } from "../core/log";
import { WAITS } from "../core/settings";
import { BATCH_BYTES_BUDGET, INLINE_TARGETS_PER_EVENT } from "../lib/limits";
import { PartlySentError, sendInBatches } from "../queue/enqueue";
import type { DeliveryMessage, EventMessage } from "../queue/messages";
import { deliverableBody, messageBytes, spillEvent } from "../queue/spill";
import { attemptDelivery, buryDelivery, type Verdict } from "./attempt";
import type { BatchContext } from "./batch";
import { holdStillPaused, pauseOnGone } from "./dead-letters/hold";
import { markerTtlSeconds, remember, rememberServed, seenAmong } from "./dedup";
import { targetWants } from "./match";
import type { RelayOutbox } from "./relay-events/outbox";

/** A fan-out that could not finish (KV or Queues unavailable) tries again after this long. */
export const REQUEUE_DELAY_SECONDS = WAITS.fanOutRetrySeconds;

/**
 * Fresh events: drop repeats (in this batch and in KV), make the first attempt to
 * every matching target at once, and queue each failed (event, target) pair on its
 * own so that a target that succeeded is never sent the event again. A paused
 * target is not attempted: its delivery is kept as a dead letter for its resume.
 * One message attempts at most INLINE_TARGETS_PER_EVENT targets itself; the rest are
 * queued for the retry consumer at once, so a long targets document never takes a
 * message past its share of the invocation's operations.
 */
export async function fanOut(messages: readonly Message<EventMessage>[], batch: BatchContext): Promise<void> {
  const { env } = batch;
  const inBatch = new Set<string>();
  const fresh: Message<EventMessage>[] = [];
  for (const message of messages) {
    const { event } = message.body;
    if (inBatch.has(event.id)) {
      log("fan-out", { id: event.id, outcome: "duplicate", where: "batch" });
      message.ack();
    } else {
      inBatch.add(event.id);
      fresh.push(message);
    }
  }
  let known: Awaited<ReturnType<typeof seenAmong>>;
  try {
    known = await seenAmong(env.RELAY_STATE, [...inBatch]);
  } catch (error) {
    // Nothing was attempted yet: the whole batch is safe to run again.
    for (const message of fresh) {
      log("fan-out", { id: message.body.event.id, outcome: "requeue", reason: errorMessage(error) });
      message.retry({ delaySeconds: REQUEUE_DELAY_SECONDS });
    }
    return;
  }
  await Promise.all(
    fresh.map(async (message) => {
      try {
        const { id } = message.body.event;
        await fanOutOne(message, known.seen.has(id), new Set(known.served.get(id)), batch);
      } catch (error) {
        // Only reachable before any attempt was made (the spilled payload): safe to run again.
        log("fan-out", { id: message.body.event.id, outcome: "requeue", reason: errorMessage(error) });
        message.retry({ delaySeconds: REQUEUE_DELAY_SECONDS });
      }
    }),
  );
}

async function fanOutOne(
  message: Message<EventMessage>,
  alreadySeen: boolean,
  served: Set<string>,
  { targets, env, settings, paused, journal, outbox, connections }: BatchContext,
): Promise<void> {
  const { event, receivedAt } = message.body;
  if (alreadySeen) {
    log("fan-out", { id: event.id, outcome: "duplicate", where: "kv" });
    message.ack();
    return;
  }
  const matching = targets.filter((target) => targetWants(target, event) && !served.has(target.id));
  if (matching.length === 0 && served.size === 0) logUnrouted(event, targets);
  const inline = matching.slice(0, INLINE_TARGETS_PER_EVENT);
  const handedOn = matching.slice(INLINE_TARGETS_PER_EVENT).map((target) => target.id);
  const held = inline.filter((target) => paused.has(target.id));
  const wanted = inline.filter((target) => !paused.has(target.id));

  const body = wanted.length > 0 ? await deliverableBody(env.RELAY_STATE, event) : "";
  // Retry messages carrying a large event more than one batch's worth of times carry its stub: it goes
  // to KV before any attempt, so a KV failure here requeues a fan-out that has sent nothing yet (after
  // the attempts, it would send again to the targets that took it).
  const carried =
    matching.length > 1 && messageBytes(event) * matching.length > BATCH_BYTES_BUDGET
      ? await spillEvent(env.RELAY_STATE, event)
      : event;
  const firstAttemptAt = Date.now();
  journal?.accepted(event, receivedAt);
  const verdicts = await Promise.all(
    wanted.map((target) =>
      attemptDelivery(target, { env, event, body, attempt: 1, firstAttemptAt, settings, journal, connections }),
    ),
  );
  // Delivered is delivered, whatever fails below: a fan-out run again must not send it twice.
  for (const [index, verdict] of verdicts.entries()) {
    if (verdict.kind === "delivered") served.add((wanted[index] as Target).id);
  }
  let resumed: string[] = [];
  try {
    const heldIds = held.map((target) => target.id);
    resumed = await holdStillPaused(env, event, receivedAt, heldIds, served, journal);
    const dueNow = [...resumed, ...handedOn];
    await settle(env, event, carried, firstAttemptAt, wanted, verdicts, served, paused, dueNow, outbox);
  } catch (error) {
    // Remember who already has it (or has it queued or buried), so the redelivered fan-out skips them.
    await rememberServed(env.RELAY_STATE, event.id, served).catch((cause: Error) =>
      log("fan-out", { id: event.id, outcome: "served-marker-failed", reason: cause.message }),
    );
    log("fan-out", { id: event.id, outcome: "requeue", reason: `could not finish: ${errorMessage(error)}` });
    message.retry({ delaySeconds: REQUEUE_DELAY_SECONDS });
    return;
  }
  try {
    await remember(env.RELAY_STATE, event.id, markerTtlSeconds(settings.dedupTtlSeconds, message.body.dedupUntil));
  } catch (error) {
    // Dedup is best effort; the deliveries are done, so the event must not run again.
    log("fan-out", { id: event.id, outcome: "dedup-marker-failed", reason: errorMessage(error) });
  }
  message.ack();
  // Every target took it at the first attempt, and each attempt has its own line: nothing left to tell.
  const allDelivered = verdicts.every((verdict) => verdict.kind === "delivered");
  if (wanted.length > 0 && allDelivered && handedOn.length === 0 && held.length === 0) return;
  const retrying = verdicts.filter((verdict) => verdict.kind === "retry").length;
  log("fan-out", {
    id: event.id,
    outcome: "done",
    targets: wanted.length,
    retrying,
    ...(handedOn.length > 0 ? { handedOn: handedOn.length } : {}),
    ...(held.length > resumed.length
      ? { heldWhilePaused: held.map((target) => target.id).filter((id) => !resumed.includes(id)) }
      : {}),
    ...(resumed.length > 0 ? { resumedWhileHeld: resumed } : {}),
  });
}

/**
 * Dead targets buried (or, when KV takes no write, retried), then one retry message per failed
 * pair (and one, due now, per target in `dueNow`: resumed while its delivery was about to be
 * kept, or past what one message attempts itself); `served` grows as each step lands, so a failure part way
 * loses nothing and repeats nothing. They carry `carried`: the event, or its stub when a large
 * event could be carried more than one batch's worth of times (written to KV before the attempts).
 */
async function settle(
  env: Env,
  event: RelayEvent,
  carried: RelayEvent,
  firstAttemptAt: number,
  wanted: readonly Target[],
  verdicts: readonly Verdict[],
  served: Set<string>,
  paused: Set<string>,
  dueNow: readonly string[],
  outbox?: RelayOutbox,
): Promise<void> {
  const pending: { target: string; attemptsBefore: number; delaySeconds?: number }[] = dueNow.map((target) => ({
    target,
    attemptsBefore: 0,
  }));
  for (const [index, verdict] of verdicts.entries()) {
    const target = (wanted[index] as Target).id;
    if (verdict.kind === "retry") {
      pending.push({ target, attemptsBefore: verdict.attempts, delaySeconds: verdict.delaySeconds });
    }
    if (verdict.kind !== "dead" && verdict.kind !== "gone") continue;
    try {
      if (verdict.kind === "gone") await pauseOnGone(env, { event, target, firstAttemptAt }, verdict, paused, outbox);
      else await buryDelivery(env, { event, target, firstAttemptAt }, verdict, outbox);
      served.add(target);
    } catch (error) {
      // KV took no write: the pair goes to the retry consumer, which asks the target again and keeps it
      // then. Running the whole fan-out again would send the event twice to a target that has it.
      log("fan-out", { id: event.id, target, outcome: "keep-failed", reason: errorMessage(error) });
      pending.push({ target, attemptsBefore: verdict.attempts, delaySeconds: REQUEUE_DELAY_SECONDS });
    }
  }
  const retries = pending.map(({ target, attemptsBefore, delaySeconds }) => {
    const body: DeliveryMessage = { kind: "delivery", event: carried, target, attemptsBefore, firstAttemptAt };
    const request: MessageSendRequest<DeliveryMessage> = {
      body,
      contentType: "json",
      ...(delaySeconds === undefined ? {} : { delaySeconds }),
    };
    return { target, request };
  });
  try {
    await sendInBatches(
      env.DELIVERIES_QUEUE,
      retries.map((retry) => retry.request),
    );
  } catch (error) {
    // The retries queued before the failure are served; the rest are tried again with the event.
    const sent = error instanceof PartlySentError ? error.sent : 0;
    for (const retry of retries.slice(0, sent)) served.add(retry.target);
    throw error;
  }
  for (const retry of retries) served.add(retry.target);
}

/** An event no target wants: acknowledged, remembered for dedup, and logged with the reason. */
function logUnrouted(event: RelayEvent, targets: readonly Target[]): void {
  const enabled = targets.filter((target) => target.enabled !== false).length;
  const reason =
    targets.length === 0
      ? "no targets are configured"
      : enabled === 0
        ? "every target is disabled"
        : `no enabled target matches type "${event.type}" from provider "${event.provider}"`;
  log("unrouted", { id: event.id, type: event.type, provider: event.provider, outcome: "unrouted", reason });
}
