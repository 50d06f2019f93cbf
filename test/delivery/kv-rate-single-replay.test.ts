import { describe, expect, it, vi } from "vitest";
import { CLAIM_HELD_MS } from "../../src/event-log/replay-claims";
import type { DeliveryMessage, QueueMessage } from "../../src/queue/messages";
import { consume } from "../support/queue";
import { adminPost, CRM, DELIVERIES, deadLetters, event, pending, usePauseFixture } from "./pause-support";

/**
 * KV takes one write per key per second, across invocations. The retry consumer gives up a delivery and
 * writes its dead letter; within that second an operator replays that one letter. The replay queues it,
 * and KV refuses the delete of the record it just sent: the record must not stay behind for a later replay
 * to send again.
 */
const fixture = usePauseFixture();

let offset = 0;
const realNow = Date.now.bind(Date);

function startClock(): void {
  offset = 0;
  vi.spyOn(Date, "now").mockImplementation(() => realNow() + offset);
}

const sentToCrm = () => fixture.sentTo(CRM).map((request) => request.headers.get("webhook-id"));
const naming = (sent: { body: QueueMessage }) => (sent.body as DeliveryMessage).keptAs !== undefined;

/** Takes up what was queued once its delay has passed: the replays first, then the messages naming a record. */
async function deliverAll(queued: { body: QueueMessage; delaySeconds: number | undefined }[]): Promise<void> {
  offset += Math.max(0, ...queued.map((sent) => sent.delaySeconds ?? 0)) * 1000;
  for (const wanted of [false, true]) {
    const bodies = queued.filter((sent) => naming(sent) === wanted).map((sent) => sent.body as DeliveryMessage);
    if (bodies.length > 0) await consume(DELIVERIES, bodies);
  }
}

describe("one dead letter replayed within the second it was written", () => {
  it("is delivered once: its record goes, and a replay of every dead letter later sends nothing", async () => {
    startClock();
    // The last attempt of the schedule fails: the retry consumer writes the dead letter.
    fixture.crm.status = 503;
    await consume(DELIVERIES, [{ ...pending(1), attemptsBefore: 11 }]);
    const [letter] = await deadLetters("crm");
    expect(letter?.reason).toBe("failed");

    // The receiver is fixed; the operator replays the letter at once.
    fixture.crm.status = 204;
    const replayed = await adminPost(`/../dead-letters/${letter?.id}/replay`);
    expect(replayed.response.status).toBe(202);
    await deliverAll(replayed.queued);
    // The attempt that failed, and the replay.
    expect(sentToCrm()).toEqual([event(1).id, event(1).id]);
    expect(await deadLetters("crm")).toEqual([]);

    // Long after (every claim lapsed), the operator replays every dead letter.
    offset += CLAIM_HELD_MS + 60_000;
    const all = await adminPost("/../dead-letters/replay");
    expect(all.body).toEqual({ replayed: 0, remaining: false });
    expect(all.queued).toEqual([]);
    expect(sentToCrm()).toEqual([event(1).id, event(1).id]);
  });
});
