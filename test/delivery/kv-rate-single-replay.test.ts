import { describe, expect, it } from "vitest";
import { CLAIM_HELD_MS } from "../../src/event-log/replay-claims";
import { consume } from "../support/queue";
import {
  adminPost,
  CRM,
  DELIVERIES,
  deadLetters,
  deliverQueued,
  event,
  pending,
  usePauseFixture,
  useTestClock,
} from "./pause-support";

/**
 * KV takes one write per key per second, across invocations. The retry consumer gives up a delivery and
 * writes its dead letter; within that second an operator replays that one letter. The replay queues it,
 * and KV refuses the delete of the record it just sent: the record must not stay behind for a later replay
 * to send again.
 */
const fixture = usePauseFixture();

const clock = useTestClock();

const sentToCrm = () => fixture.sentTo(CRM).map((request) => request.headers.get("webhook-id"));

describe("one dead letter replayed within the second it was written", () => {
  it("is delivered once: its record goes, and a replay of every dead letter later sends nothing", async () => {
    clock.start();
    // The last attempt of the schedule fails: the retry consumer writes the dead letter.
    fixture.crm.status = 503;
    await consume(DELIVERIES, [{ ...pending(1), attemptsBefore: 11 }]);
    const [letter] = await deadLetters("crm");
    expect(letter?.reason).toBe("failed");

    // The receiver is fixed; the operator replays the letter at once.
    fixture.crm.status = 204;
    const replayed = await adminPost(`/../dead-letters/${letter?.id}/replay`);
    expect(replayed.response.status).toBe(202);
    await deliverQueued(replayed.queued, clock.advance);
    // The attempt that failed, and the replay.
    expect(sentToCrm()).toEqual([event(1).id, event(1).id]);
    expect(await deadLetters("crm")).toEqual([]);

    // Long after (every claim lapsed), the operator replays every dead letter.
    clock.advance(CLAIM_HELD_MS + 60_000);
    const all = await adminPost("/../dead-letters/replay");
    expect(all.body).toEqual({ replayed: 0, remaining: false });
    expect(all.queued).toEqual([]);
    expect(sentToCrm()).toEqual([event(1).id, event(1).id]);
  });
});
