import { OPS_TARGETS_KEY, type Target } from "../../config/targets";
import type { Env } from "../../core/env";
import { errorMessage } from "../../core/errors";
import { log } from "../../core/log";
import type { Settings } from "../../core/settings";
import { EventJournal } from "../../event-log/journal";
import { ConnectionGate } from "../../lib/connections";
import { sendInBatches } from "../../queue/enqueue";
import type { DeliveryMessage, EventMessage } from "../../queue/messages";
import { deliverQueued } from "../deliver";
import { fanOut, REQUEUE_DELAY_SECONDS } from "../fan-out";
import { wantsOwnEvent } from "../match";
import { pausedTargets } from "../pauses";
import { configInvalid } from "./own-events";

/** KV `RELAY_STATE` key, present (with a TTL of an hour) while a `relay.config.invalid` was reported lately. */
const REPORTED_KEY = "relay-events:config-invalid";
/** At most one report an hour. */
const REPORT_EVERY_SECONDS = 3600;
const CONFIG_INVALID = "relay.config.invalid";

/** What a consumer knows when the targets document is invalid: the document's problems, as lines. */
export interface InvalidConfig {
  problems: readonly string[];
  settings: Settings;
}

/**
 * While the stored targets document is invalid, its own report cannot wait for it: the messages that
 * carry `relay.config.invalid` go to the targets of the last valid document that name it (kept for
 * exactly this, src/config/ops-targets.ts), and the others (returned) wait as before. When any wait,
 * the report is raised, at most once an hour: one bulk KV read, and when due one write and one send.
 */
export async function whileConfigInvalid(
  env: Env,
  config: InvalidConfig,
  events: readonly Message<EventMessage>[],
  deliveries: readonly Message<DeliveryMessage>[],
): Promise<{ waiting: Message<EventMessage | DeliveryMessage>[] }> {
  const isReport = (message: Message<EventMessage | DeliveryMessage>) => message.body.event.type === CONFIG_INVALID;
  const ownEvents = events.filter(isReport);
  const ownDeliveries = deliveries.filter(isReport);
  const waiting = [...events, ...deliveries].filter((message) => !isReport(message));
  let read: Map<string, string | null>;
  try {
    read = await env.RELAY_STATE.get([REPORTED_KEY, OPS_TARGETS_KEY], "text");
  } catch (error) {
    log("relay-event", { type: CONFIG_INVALID, outcome: "unreadable", reason: errorMessage(error) });
    return { waiting: [...events, ...deliveries] };
  }
  const targets = parseTargets(read.get(OPS_TARGETS_KEY) ?? null);
  if (ownEvents.length + ownDeliveries.length > 0) await deliverReports(env, config, targets, ownEvents, ownDeliveries);
  if (waiting.length > 0 && read.get(REPORTED_KEY) == null) await report(env, config, waiting.length, targets);
  return { waiting };
}

/** Raises the report when one of `targets` names it (one naming only other relay events does not). */
async function report(env: Env, config: InvalidConfig, waiting: number, targets: readonly Target[]): Promise<void> {
  const event = await configInvalid(config.problems, waiting);
  if (!targets.some((target) => wantsOwnEvent(target, event))) return;
  try {
    await env.RELAY_STATE.put(REPORTED_KEY, event.id, { expirationTtl: REPORT_EVERY_SECONDS });
    await sendInBatches(env.EVENTS_QUEUE, [
      { body: { kind: "event", event, receivedAt: Date.now() } satisfies EventMessage, contentType: "json" },
    ]);
    log("relay-event", { id: event.id, outcome: "queued", waiting });
  } catch (error) {
    log("relay-event", { id: event.id, outcome: "lost", reason: errorMessage(error), event });
  }
}

async function deliverReports(
  env: Env,
  config: InvalidConfig,
  targets: readonly Target[],
  events: readonly Message<EventMessage>[],
  deliveries: readonly Message<DeliveryMessage>[],
): Promise<void> {
  const paused = await pausedTargets(
    env.RELAY_STATE,
    targets.map((target) => target.id),
  ).catch((error: Error) => error);
  if (paused instanceof Error) {
    for (const message of [...events, ...deliveries]) message.retry({ delaySeconds: REQUEUE_DELAY_SECONDS });
    return;
  }
  const journal = new EventJournal();
  const context = { targets, env, settings: config.settings, paused, journal, connections: new ConnectionGate() };
  await Promise.all([fanOut(events, context), deliverQueued(deliveries, context)]);
  await journal.flush(env.RELAY_LOG);
}

function parseTargets(text: string | null): Target[] {
  if (text === null) return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as Target[]) : [];
  } catch {
    return [];
  }
}
