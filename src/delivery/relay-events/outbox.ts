import type { Target } from "../../config/targets";
import type { RelayEvent } from "../../core/cloud-event";
import type { Env } from "../../core/env";
import { errorMessage } from "../../core/errors";
import { log } from "../../core/log";
import { sendInBatches } from "../../queue/enqueue";
import type { EventMessage } from "../../queue/messages";
import { wantsOwnEvent } from "../match";
import { isOwnEvent } from "./own-events";

/**
 * The relay's own events one invocation raises, queued together at its end like ingest queues a
 * platform's (fan-out, retries, dead letters and the log treat them as any event): one `sendBatch` per
 * 100, and none for events no target names. A relay event never raises another: what is about one is
 * dropped here. A failed send is logged with each event whole, never thrown (the acks are decided).
 */
export class RelayOutbox {
  readonly #events: RelayEvent[] = [];

  /** Adds an event, unless what raised it was a relay event itself. */
  add(event: RelayEvent, cause?: RelayEvent): void {
    if (cause !== undefined && isOwnEvent(cause)) return;
    this.#events.push(event);
  }

  get size(): number {
    return this.#events.length;
  }

  /** Queues the events some target of `targets` wants; returns how many. */
  async flush(env: Env, targets: readonly Target[], now = Date.now()): Promise<number> {
    const events = this.#events.splice(0).filter((event) => targets.some((target) => wantsOwnEvent(target, event)));
    if (events.length === 0) return 0;
    const message = (event: RelayEvent): EventMessage => ({ kind: "event", event, receivedAt: now });
    try {
      await sendInBatches(
        env.EVENTS_QUEUE,
        events.map((event) => ({ body: message(event), contentType: "json" })),
      );
      log("relay-event", { outcome: "queued", ids: events.map((event) => event.id) });
    } catch (error) {
      for (const event of events)
        log("relay-event", { id: event.id, outcome: "lost", reason: errorMessage(error), event });
      return 0;
    }
    return events.length;
  }
}
