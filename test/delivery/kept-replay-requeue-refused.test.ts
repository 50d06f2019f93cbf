import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { deadLetterId } from "../../src/delivery/dead-letters/store";
import type { DeliveryMessage } from "../../src/queue/messages";
import { aSecondPasses } from "../support/production/kv";
import { consume } from "../support/queue";
import { CRM, DELIVERIES, deadLetters, event, usePauseFixture } from "./pause-support";

/**
 * A delivery that replays a kept record (`keptAs`) fails its attempt, and the queue refuses the next
 * attempt's message: the old message comes back after the same delay and the attempt is made again under
 * the same number (docs/delivery.md). The record is removed only once the next attempt is queued: removed
 * before, the message that came back found it gone, was skipped, and the event was lost.
 */
const { crm, sentTo } = usePauseFixture();

beforeEach(() => {
  crm.status = 503;
});

describe("a kept delivery replayed by its keeper, whose retry the queue refuses", () => {
  it("is delivered when the message comes back, or stays a dead letter", async () => {
    // The record the keeper wrote (target paused), then the keeper's own replay naming it.
    await env.RELAY_STATE.put(`paused:crm`, JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
    const kept = await consume(DELIVERIES, [
      { kind: "delivery", event: event(1), target: "crm", attemptsBefore: 1, firstAttemptAt: Date.now() },
    ]);
    expect(kept.acked).toEqual(["m0"]);
    expect(await deadLetters("crm")).toHaveLength(1);
    aSecondPasses();
    await env.RELAY_STATE.delete("paused:crm"); // resumed (the resume's own listing missed the letter)
    const replay: DeliveryMessage = {
      kind: "delivery",
      event: event(1),
      target: "crm",
      attemptsBefore: 0,
      firstAttemptAt: Date.now(),
      keptAs: await deadLetterId("crm", event(1).id),
    };
    aSecondPasses();
    // crm answers 503; the queue refuses the retry message: the message is retried as is.
    const first = await consume(DELIVERIES, [replay], { deliveriesFailWith: new Error("Queue send failed") });
    expect(first.retried.map((r) => r.msgId)).toEqual(["m0"]);
    // Queues brings the same message back after the delay; crm is up now.
    crm.status = 204;
    aSecondPasses();
    const again = await consume(DELIVERIES, [replay], { attempts: 2 });
    expect(again.acked).toEqual(["m0"]);
    expect(sentTo(CRM)).toHaveLength(2);
    expect(again.deliveries).toEqual([]);
    aSecondPasses();
    expect(await deadLetters("crm")).toEqual([]);
  });
});
