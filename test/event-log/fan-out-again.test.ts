import { describe, expect, it } from "vitest";
import type { EventMessage } from "../../src/queue/messages";
import { sampleEvent } from "../support/events";
import { consume } from "../support/queue";
import { DOWN, upAndDown } from "../support/up-down";
import { adminCall, resetAll } from "./support";

const EVENTS = "meeting-relay-events";
const DLQ = "meeting-relay-dlq";
const ID = "tencent-meeting:again:0";
const fresh: EventMessage = { kind: "event", event: sampleEvent(ID), receivedAt: Date.now() - 60_000 };
const queueDown = new Error("Queue send failed: internal error");

const { outbound } = upAndDown(resetAll);

/** The `down` delivery as the list, the event's timeline and the overview each count it. */
async function downAsShown() {
  const list = await adminCall("GET", "/admin/events");
  const item = (list.body.items as { id: string; deliveries: { target: string }[] }[]).find((row) => row.id === ID);
  const one = await adminCall("GET", `/admin/events/${encodeURIComponent(ID)}`);
  const stats = await adminCall("GET", "/admin/stats");
  return {
    listed: item?.deliveries.find((delivery) => delivery.target === "down"),
    requests: (one.body.attempts as { target: string; status: number | null }[]).filter(
      (attempt) => attempt.target === "down" && attempt.status !== null,
    ).length,
    failed: (stats.body.targets as Record<string, { failed: number }>).down?.failed,
  };
}

describe("an event logged again (its fan-out run again, then given up) keeps every request it counted", () => {
  it("adds each run's requests to the delivery's counts instead of replacing them", async () => {
    // Run 1: `down` answers 503 and its retry cannot be queued, so the fan-out is run again later.
    const first = await consume(EVENTS, [fresh], { deliveriesFailWith: queueDown });
    expect(first.retried.map((message) => message.msgId)).toEqual(["m0"]);
    // Run 2: the same, `up` (already served) is skipped.
    await consume(EVENTS, [fresh], { attempts: 2, deliveriesFailWith: queueDown });
    expect(outbound().requests.filter((request) => request.url.startsWith(DOWN.url))).toHaveLength(2);
    const afterRuns = await downAsShown();
    expect(afterRuns).toEqual({
      listed: expect.objectContaining({ outcome: "retry", attempts: 2, lastStatus: 503 }),
      requests: 2,
      failed: 2,
    });

    // Queues gives the fan-out up: the dead-letter consumer logs the delivery dead, without a request.
    await consume(DLQ, [fresh]);
    const buried = await downAsShown();
    expect(buried).toEqual({
      listed: expect.objectContaining({ outcome: "dead", attempts: 2, lastStatus: 503 }),
      requests: 2,
      failed: 2,
    });
  });
});
