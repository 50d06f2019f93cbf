import { loadTargets } from "../config/targets";
import type { Env } from "../env";
import { log } from "../log";
import { SettingsError, settingsOf } from "../settings";
import { deliverQueued } from "./deliver";
import { fanOut } from "./fan-out";
import type { DeliveryMessage, EventMessage, QueueMessage } from "./messages";

/** While the configuration is invalid, events wait in the queue and come back after this long. */
export const CONFIG_RETRY_SECONDS = 30;

/** The queue consumer: fresh events fan out; queued deliveries are retried one pair at a time. */
export async function handleQueue(batch: MessageBatch<QueueMessage>, env: Env): Promise<void> {
  const events: Message<EventMessage>[] = [];
  const deliveries: Message<DeliveryMessage>[] = [];
  for (const message of batch.messages) {
    const body = message.body as Partial<QueueMessage> | null;
    if (body?.kind === "event") events.push(message as Message<EventMessage>);
    else if (body?.kind === "delivery") deliveries.push(message as Message<DeliveryMessage>);
    else {
      log("queue", { queue: batch.queue, outcome: "unknown-message", messageId: message.id });
      message.ack();
    }
  }

  let settings: ReturnType<typeof settingsOf>;
  try {
    settings = settingsOf(env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    log("config-invalid", { queue: batch.queue, reason: error.message, waiting: batch.messages.length });
    for (const message of [...events, ...deliveries]) message.retry({ delaySeconds: CONFIG_RETRY_SECONDS });
    return;
  }
  const loaded = await loadTargets(env, settings);
  if (!loaded.ok) {
    log("config-invalid", {
      queue: batch.queue,
      key: "targets",
      problems: loaded.problems,
      waiting: events.length + deliveries.length,
    });
    for (const message of [...events, ...deliveries]) message.retry({ delaySeconds: CONFIG_RETRY_SECONDS });
    return;
  }
  await Promise.all([
    fanOut(events, loaded.targets, env, settings),
    deliverQueued(deliveries, loaded.targets, env, settings),
  ]);
}
