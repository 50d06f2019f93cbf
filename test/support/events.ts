import type { RelayEvent } from "../../src/core/cloud-event";
import type { EventMessage } from "../../src/queue/messages";

/** The one event builder: a normalized Tencent Meeting `meeting.started`, changed by `overrides`. */
export function sampleEvent(id = "tencent-meeting:seq-1:0", overrides: Partial<RelayEvent> = {}): RelayEvent {
  return {
    specversion: "1.0",
    id,
    source: "/webhooks/tencent-meeting",
    type: "meeting.started",
    subject: "6058890385480921052",
    time: "2026-11-21T10:00:00Z",
    datacontenttype: "application/json",
    provider: "tencent-meeting",
    providerevent: "meeting.started",
    data: { meeting: { id: "6058890385480921052" }, raw: {} },
    ...overrides,
  };
}

/** Events as ingest queues them for fan-out. */
export function eventMessages(events: readonly RelayEvent[], receivedAt = Date.now()): EventMessage[] {
  return events.map((event) => ({ kind: "event", event, receivedAt }));
}
