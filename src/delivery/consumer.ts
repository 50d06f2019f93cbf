import { keepOpsTargets, loadTargets, type Target, type TargetsResult } from "../config/targets";
import type { Env } from "../core/env";
import { errorMessage, SettingsError } from "../core/errors";
import { log } from "../core/log";
import { type Settings, settingsOf, WAITS } from "../core/settings";
import { previousMatches } from "../event-log/credential-matches";
import { EventJournal } from "../event-log/journal";
import { refusals } from "../event-log/refusals";
import { ConnectionGate } from "../lib/connections";
import { unreadableMessage } from "../queue/message-shape";
import type { DeliveryMessage, EventMessage, EventsMessage, QueueMessage } from "../queue/messages";
import { DEAD_LETTER_QUEUE, handleDeadLetterQueue } from "./dead-letters/dlq-consumer";
import { deliverQueued } from "./deliver";
import { fanOut } from "./fan-out";
import { pausedTargets } from "./pauses";
import { type InvalidConfig, whileConfigInvalid } from "./relay-events/config-invalid";
import { RelayOutbox } from "./relay-events/outbox";
import { splitBundles } from "./split";
import { noteWaiting } from "./waiting";

/** While the configuration is invalid or unreadable, messages wait in the queue and come back after this long. */
const CONFIG_RETRY_SECONDS = WAITS.configRetrySeconds;

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
    const unreadable = unreadableMessage(message);
    if (unreadable !== undefined) {
      log("queue", { queue: batch.queue, messageId: message.id, outcome: "discarded", reason: unreadable });
      message.ack();
      continue;
    }
    const { kind } = message.body;
    if (kind === "event") events.push(message as Message<EventMessage>);
    else if (kind === "events") bundles.push(message as Message<EventsMessage>);
    else deliveries.push(message as Message<DeliveryMessage>);
  }
  // Splitting a callback's events into event messages needs no configuration.
  const split = splitBundles(bundles, env);
  if (events.length + deliveries.length === 0) return split;

  const config = await loadConfig(env);
  if (!config.ok) {
    // The document's own report (`relay.config.invalid`) is delivered and raised here; the rest wait.
    const waiting = config.invalid
      ? (await whileConfigInvalid(env, config.invalid, events, deliveries)).waiting
      : [...events, ...deliveries];
    log("config-invalid", { queue: batch.queue, ...config.problem, waiting: waiting.length });
    for (const message of waiting) message.retry({ delaySeconds: CONFIG_RETRY_SECONDS });
    // How many wait, for the admin API and the console: at most one small KV write per 10 s (./waiting.ts).
    await noteWaiting(env.RELAY_STATE, waiting, CONFIG_RETRY_SECONDS * 1000);
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
  const outbox = new RelayOutbox();
  const connections = new ConnectionGate();
  const context = { targets: config.targets, env, settings: config.settings, paused, journal, outbox, connections };
  await Promise.all([split, fanOut(events, context), deliverQueued(deliveries, context), keepOps(env, config.targets)]);
  // The relay's own events this batch raised (pauses, deliveries given up): one sendBatch per 100.
  await outbox.flush(env, config.targets);
  // Acks and retries are decided above; the event log is written once, after them, and a failure there is
  // only logged. The refusal and credential counts this isolate still holds follow, each in a batch of its
  // own (only when it holds some): a failure there loses those counts, never the events and attempts.
  await journal.flush(env.RELAY_LOG);
  await refusals.flush(env.RELAY_LOG);
  await previousMatches.flush(env.RELAY_LOG);
}

type Config =
  | { ok: true; settings: Settings; targets: Target[] }
  | { ok: false; problem: Record<string, unknown>; invalid?: InvalidConfig };

/** The last valid document's ops targets, for `relay.config.invalid` (src/config/ops-targets.ts); a failure is only logged. */
async function keepOps(env: Env, targets: readonly Target[]): Promise<void> {
  await keepOpsTargets(env, targets).catch((error: Error) =>
    log("relay-event", { outcome: "ops-targets-not-kept", reason: error.message }),
  );
}

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
  if (!loaded.ok) {
    const problems = loaded.problems.map((problem) => `${problem.path}: ${problem.message}`);
    return {
      ok: false,
      problem: { key: "targets", reason: "invalid targets", problems: loaded.problems },
      invalid: { problems, settings },
    };
  }
  return { ok: true, settings, targets: loaded.targets };
}
