import { loadTargets, type Target, type TargetsResult } from "../config/targets";
import type { Env } from "../env";
import { errorMessage, SettingsError } from "../errors";
import { previousMatches } from "../event-log/credentials";
import { EventJournal } from "../event-log/journal";
import { refusals } from "../event-log/refusals";
import { log } from "../log";
import type { DeliveryMessage, EventMessage, EventsMessage, QueueMessage } from "../queue/messages";
import { type Settings, settingsOf } from "../settings";
import { DEAD_LETTER_QUEUE, handleDeadLetterQueue } from "./dead-letter-queue";
import { deliverQueued } from "./deliver";
import { fanOut } from "./fan-out";
import { pausedTargets } from "./pauses";
import { splitBundles } from "./split";

/** While the configuration is invalid or unreadable, messages wait in the queue and come back after this long. */
export const CONFIG_RETRY_SECONDS = 30;

/**
 * The queue consumer. The dead-letter queue keeps what Queues gave up on; on the
 * other queues fresh events fan out, a callback's events queued together are split
 * into one message each, and queued deliveries are retried one pair at a time.
 */
export async function handleQueue(batch: MessageBatch<QueueMessage>, env: Env): Promise<void> {
  if (batch.queue === DEAD_LETTER_QUEUE) return handleDeadLetterQueue(batch, env);

  const events: Message<EventMessage>[] = [];
  const bundles: Message<EventsMessage>[] = [];
  const deliveries: Message<DeliveryMessage>[] = [];
  for (const message of batch.messages) {
    const body = message.body as Partial<QueueMessage> | null;
    if (body?.kind === "event") events.push(message as Message<EventMessage>);
    else if (body?.kind === "events") bundles.push(message as Message<EventsMessage>);
    else if (body?.kind === "delivery") deliveries.push(message as Message<DeliveryMessage>);
    else {
      log("queue", {
        queue: batch.queue,
        messageId: message.id,
        outcome: "discarded",
        reason: "not a meeting-relay message",
      });
      message.ack();
    }
  }
  // Splitting a callback's events into event messages needs no configuration.
  const split = splitBundles(bundles, env);
  if (events.length + deliveries.length === 0) return split;

  const config = await loadConfig(env);
  if (!config.ok) {
    log("config-invalid", { queue: batch.queue, ...config.problem, waiting: events.length + deliveries.length });
    for (const message of [...events, ...deliveries]) message.retry({ delaySeconds: CONFIG_RETRY_SECONDS });
    return split;
  }
  // Read once per batch, not once per delivery.
  const paused = await pausedTargets(
    env.RELAY_STATE,
    config.targets.map((target) => target.id),
  ).catch((error: Error) => error);
  if (paused instanceof Error) {
    log("pause-state-unreadable", {
      queue: batch.queue,
      reason: paused.message,
      waiting: events.length + deliveries.length,
    });
    for (const message of [...events, ...deliveries]) message.retry({ delaySeconds: CONFIG_RETRY_SECONDS });
    return split;
  }
  const journal = new EventJournal();
  const context = { targets: config.targets, env, settings: config.settings, paused, journal };
  await Promise.all([split, fanOut(events, context), deliverQueued(deliveries, context)]);
  // Acks and retries are decided above; the event log is written once, after them, and a failure there is
  // only logged. The refusal and credential counts this isolate still holds follow, each in a batch of its
  // own (only when it holds some): a failure there loses those counts, never the events and attempts.
  await journal.flush(env.RELAY_LOG);
  await refusals.flush(env.RELAY_LOG);
  await previousMatches.flush(env.RELAY_LOG);
}

type Config = { ok: true; settings: Settings; targets: Target[] } | { ok: false; problem: Record<string, unknown> };

/** Settings and targets, or what is wrong with them: never half-applied. */
async function loadConfig(env: Env): Promise<Config> {
  let settings: Settings;
  try {
    settings = settingsOf(env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    return { ok: false, problem: { reason: error.message } };
  }
  let loaded: TargetsResult;
  try {
    loaded = await loadTargets(env, settings);
  } catch (error) {
    return { ok: false, problem: { key: "targets", reason: `targets could not be read: ${errorMessage(error)}` } };
  }
  if (!loaded.ok)
    return { ok: false, problem: { key: "targets", reason: "invalid targets", problems: loaded.problems } };
  return { ok: true, settings, targets: loaded.targets };
}
