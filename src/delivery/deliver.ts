import type { Target } from "../config/targets";
import type { Env } from "../env";
import { log } from "../log";
import type { DeliveryMessage } from "../queue/messages";
import { deliverableBody } from "../queue/spill";
import type { Settings } from "../settings";
import { attemptDelivery, buryDelivery } from "./attempt";

/** After an unexpected error (a KV outage while burying, say), the pair comes back after this long. */
export const ERROR_RETRY_SECONDS = 30;

/**
 * Retries and replays: one (event, target) pair per message, retried with
 * `message.retry({ delaySeconds })` on its own schedule. The attempt number is
 * the attempts made before the message was queued plus Queues' own count.
 */
export async function deliverQueued(
  messages: readonly Message<DeliveryMessage>[],
  targets: readonly Target[],
  env: Env,
  settings: Settings,
): Promise<void> {
  const byId = new Map(targets.map((target) => [target.id, target]));
  await Promise.all(
    messages.map(async (message) => {
      const pending = message.body;
      const attempt = pending.attemptsBefore + message.attempts;
      try {
        const target = byId.get(pending.target);
        if (target === undefined || target.enabled === false) {
          const lastError = target === undefined ? "target is no longer configured" : "target is disabled";
          await buryDelivery(env, pending, { attempts: attempt - 1, lastStatus: null, lastError });
          message.ack();
          return;
        }
        const verdict = await attemptDelivery(target, {
          event: pending.event,
          body: await deliverableBody(env.RELAY_STATE, pending.event),
          attempt,
          settings,
        });
        if (verdict.kind === "retry") {
          message.retry({ delaySeconds: verdict.delaySeconds });
          return;
        }
        if (verdict.kind === "dead") await buryDelivery(env, pending, verdict);
        message.ack();
      } catch (error) {
        log("delivery", {
          id: pending.event.id,
          target: pending.target,
          attempt,
          outcome: "error",
          reason: (error as Error).message,
          retryInSeconds: ERROR_RETRY_SECONDS,
        });
        message.retry({ delaySeconds: ERROR_RETRY_SECONDS });
      }
    }),
  );
}
