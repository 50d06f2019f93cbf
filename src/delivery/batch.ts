import type { Target } from "../config/targets";
import type { Env } from "../core/env";
import type { Settings } from "../core/settings";
import type { EventJournal } from "../event-log/journal";
import type { ConnectionGate } from "../lib/connections";
import type { RelayOutbox } from "./relay-events/outbox";

/** What every step of one queue batch shares: read once per batch by the consumer. */
export interface BatchContext {
  targets: readonly Target[];
  env: Env;
  settings: Settings;
  /** Targets paused when the batch started; grows when one answers 410, and loses one the retry consumer finds resumed. */
  paused: Set<string>;
  /** The event log's writer for this invocation, when there is one. */
  journal?: EventJournal | undefined;
  /** The relay's own events this batch raises (a pause, a delivery given up), queued once at its end. */
  outbox?: RelayOutbox | undefined;
  /** The invocation's outbound connections: every attempt of the batch passes this one gate. */
  connections: ConnectionGate;
}
