import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EventMessage } from "../../src/queue/messages";
import { sampleEvent } from "../support/events";
import { takeInvocations } from "../support/production/operations";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { UP, upAndDown } from "../support/up-down";

const EVENTS = "meeting-relay-events";
const EVENT_ID = "tencent-meeting:seq-1:0";

const fresh = (): EventMessage => ({ kind: "event", event: sampleEvent(EVENT_ID), receivedAt: Date.now() });

const { outbound } = upAndDown(reset);

/** A fan-out that delivered to `up` and could not queue `down`'s retry: `fanout:<id>` names `up`. */
async function halfDone(): Promise<void> {
  const failed = await consume(EVENTS, [fresh()], { deliveriesFailWith: new Error("queue unavailable") });
  expect(failed).toMatchObject({ acked: [], retried: [{ msgId: "m0", delaySeconds: 10 }] });
  expect(await env.RELAY_STATE.get(`fanout:${EVENT_ID}`, "json")).toEqual(["up"]);
  expect(outbound().requests.filter((request) => request.url === UP.url)).toHaveLength(1);
}

describe("a second message about an event whose fan-out is half done (a platform retry, a replayed * letter)", () => {
  it("in a later batch: the target that has the event is not sent it again", async () => {
    await halfDone();
    // A new message for the same event (Queues' own count starts at 1 again).
    const second = await consume(EVENTS, [fresh()]);
    expect(second.acked).toEqual(["m0"]);
    expect(second.deliveries.map((sent) => sent.body.kind === "delivery" && sent.body.target)).toEqual(["down"]);
    expect(outbound().requests.filter((request) => request.url === UP.url)).toHaveLength(1);
  });

  it("two messages about it in one batch: still sent once, and the batch reads KV no more than before", async () => {
    await halfDone();
    takeInvocations();
    const run = await consume(EVENTS, [fresh(), fresh()]);
    expect(run.acked.sort()).toEqual(["m0", "m1"]);
    expect(outbound().requests.filter((request) => request.url === UP.url)).toHaveLength(1);
    const [invocation] = takeInvocations();
    // The dedup markers and who already has each event: one bulk read for the batch.
    expect(invocation?.log.filter((operation) => operation.startsWith("kv.get"))).toHaveLength(2);
  });
});
