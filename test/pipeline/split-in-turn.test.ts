import { beforeEach, describe, expect, it } from "vitest";
import type { EventMessage, EventsMessage } from "../../src/queue/messages";
import { sampleEvent } from "../support/events";
import { consume } from "../support/queue";
import { reset } from "../support/reset";

beforeEach(async () => {
  await reset();
});

/** A bundle of 150 events, `<stem>0`…: two `sendBatch` calls when it is split. */
const bundle = (stem: string): EventsMessage => ({
  kind: "events",
  events: Array.from({ length: 150 }, (_, n) => sampleEvent(`tencent-meeting:${stem}:${n}`)),
  count: 150,
  receivedAt: Date.now(),
});

describe("bundles of one batch", () => {
  // Each bundle holds all its events while it is split; two at once would hold both.
  it.each(["meeting-relay-events", "meeting-relay-dlq"])("are split one after the other by %s", async (queue) => {
    const run = await consume(queue, [bundle("a"), bundle("b")]);
    expect(run.acked).toEqual(["m0", "m1"]);
    const order = run.events.map((sent) => (sent.body as EventMessage).event.id);
    expect(order).toEqual([
      ...Array.from({ length: 150 }, (_, n) => `tencent-meeting:a:${n}`),
      ...Array.from({ length: 150 }, (_, n) => `tencent-meeting:b:${n}`),
    ]);
  });
});
