import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Target } from "../../src/config/targets";
import type { DeliveryMessage, QueueMessage } from "../../src/queue/messages";
import { spillEvent } from "../../src/queue/spill";
import { sampleEvent } from "../support/events";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";
import { CRM, DELIVERIES, deadLetters, usePauseFixture } from "./pause-support";

/**
 * A verified callback whose meeting id is long (130,000 characters) makes an event too large for a queue
 * message: ingest spills it and queues its stub (subject cut to 1,000 characters). `relay.delivery.dead`
 * about it is built from that stub, not the whole event put back together for the dead letter: with the
 * whole subject it was too large for a queue message itself, and Queues refused the outbox's `sendBatch`
 * (the report lost, with every other relay event of the batch).
 */
const OPS: Target = { id: "ops", url: "https://ops.example.com/in", types: ["relay.*"] };

const { crm } = usePauseFixture();

describe("relay.delivery.dead about an event with a very long subject", () => {
  it("is queued within Queues' 128 KB per message", async () => {
    await useTargets([CRM, OPS]);
    crm.status = 503;
    const whole = sampleEvent("tencent-meeting:seq-long:0", { subject: "9".repeat(130_000) });
    const stub = await spillEvent(env.RELAY_STATE, whole);
    const lastTry: DeliveryMessage = {
      kind: "delivery",
      event: stub,
      target: "crm",
      attemptsBefore: 11,
      firstAttemptAt: Date.now() - 60_000,
    };
    const run = await consume(DELIVERIES, [lastTry]);
    expect(run.acked).toEqual(["m0"]);
    expect(await deadLetters("crm")).toHaveLength(1);
    const relayEvents = run.events.flatMap(({ body }: { body: QueueMessage }) =>
      body.kind === "event" && body.event.type === "relay.delivery.dead" ? [body.event] : [],
    );
    expect(relayEvents.map((event) => (event.data as unknown as { event: { subject: string } }).event.subject)).toEqual(
      [stub.subject],
    );
    // The dead letter itself keeps the whole event.
    expect((await deadLetters("crm")).map((letter) => letter.event.subject)).toEqual([whole.subject]);
  });
});
