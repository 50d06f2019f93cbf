import type { Target } from "../config/targets";
import type { Env } from "../env";
import { log } from "../log";
import type { Settings } from "../settings";
import { attemptDelivery, buryDelivery } from "./attempt";
import { remember, rememberServed, seenBefore, servedTargets } from "./dedup";
import { targetWants } from "./match";
import type { DeliveryMessage, EventMessage } from "./messages";

/** A fan-out whose retries could not be queued tries again after this long. */
const REQUEUE_DELAY_SECONDS = 10;

/**
 * Fresh events: drop repeats (in this batch and in KV), make the first attempt to
 * every matching target at once, and queue each failed (event, target) pair on its
 * own so that a target that succeeded is never sent the event again.
 */
export async function fanOut(
  messages: readonly Message<EventMessage>[],
  targets: readonly Target[],
  env: Env,
  settings: Settings,
): Promise<void> {
  const inBatch = new Set<string>();
  await Promise.all(
    messages.map(async (message) => {
      const { event } = message.body;
      if (inBatch.has(event.id)) {
        log("fan-out", { id: event.id, outcome: "duplicate", where: "batch" });
        message.ack();
        return;
      }
      inBatch.add(event.id);
      try {
        await fanOutOne(message, targets, env, settings);
      } catch (error) {
        log("fan-out", { id: event.id, outcome: "error", reason: (error as Error).message });
        message.retry({ delaySeconds: REQUEUE_DELAY_SECONDS });
      }
    }),
  );
}

async function fanOutOne(
  message: Message<EventMessage>,
  targets: readonly Target[],
  env: Env,
  settings: Settings,
): Promise<void> {
  const { event } = message.body;
  if (await seenBefore(env.RELAY_STATE, event.id)) {
    log("fan-out", { id: event.id, outcome: "duplicate", where: "kv" });
    message.ack();
    return;
  }
  const served = message.attempts > 1 ? await servedTargets(env.RELAY_STATE, event.id) : new Set<string>();
  const wanted = targets.filter((target) => targetWants(target, event) && !served.has(target.id));
  if (wanted.length === 0 && served.size === 0) {
    log("fan-out", {
      id: event.id,
      type: event.type,
      provider: event.provider,
      outcome: "unrouted",
      reason: "no enabled target matches",
    });
  }

  const body = JSON.stringify(event);
  const firstAttemptAt = Date.now();
  const verdicts = await Promise.all(
    wanted.map((target) => attemptDelivery(target, { event, body, attempt: 1, settings })),
  );
  const retries: MessageSendRequest<DeliveryMessage>[] = [];
  for (const [index, verdict] of verdicts.entries()) {
    const target = wanted[index] as Target;
    if (verdict.kind === "delivered") served.add(target.id);
    else {
      const pending: DeliveryMessage = {
        kind: "delivery",
        event,
        target: target.id,
        attemptsBefore: 1,
        firstAttemptAt,
      };
      if (verdict.kind === "retry")
        retries.push({ body: pending, contentType: "json", delaySeconds: verdict.delaySeconds });
      else {
        await buryDelivery(env, pending, verdict);
        served.add(target.id);
      }
    }
  }

  if (retries.length > 0) {
    try {
      for (let i = 0; i < retries.length; i += 100) await env.DELIVERIES_QUEUE.sendBatch(retries.slice(i, i + 100));
    } catch (error) {
      // Remember who already has it, so the redelivered fan-out skips them.
      await rememberServed(env.RELAY_STATE, event.id, served);
      log("fan-out", {
        id: event.id,
        outcome: "requeue",
        reason: `retries could not be queued: ${(error as Error).message}`,
      });
      message.retry({ delaySeconds: REQUEUE_DELAY_SECONDS });
      return;
    }
  }
  try {
    await remember(env.RELAY_STATE, event.id, settings.dedupTtlSeconds);
  } catch (error) {
    // Dedup is best effort; the deliveries are done, so the event must not run again.
    log("fan-out", { id: event.id, outcome: "dedup-marker-failed", reason: (error as Error).message });
  }
  log("fan-out", { id: event.id, outcome: "done", targets: wanted.length, retrying: retries.length });
  message.ack();
}
