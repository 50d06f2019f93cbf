import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { deadLetterId, storeDeadLetter } from "../../src/delivery/dead-letters/store";
import { CLAIM_HELD_MS } from "../../src/event-log/replay-claims";
import type { DeliveryMessage, QueueMessage } from "../../src/queue/messages";
import { consume } from "../support/queue";
import {
  adminPost,
  CRM,
  DELIVERIES,
  deadLetters,
  event,
  pauseAndResumeLater,
  pending,
  usePauseFixture,
} from "./pause-support";

/**
 * KV takes one write per key per second, across invocations. A retry consumer keeps a delivery for its
 * paused target, looks at the pause once more and finds it still in place; a moment later (within the
 * second) an operator resumes the target. The resume lists the record, queues it, and KV refuses its
 * delete. No replay of the keeper's names the record, so the resume itself must see it removed, and no
 * later page, resume or bulk replay may send it again.
 */
const fixture = usePauseFixture();

/** The test's clock: the queue's delays pass by moving it on (the KV double reads it too). */
let offset = 0;
const realNow = Date.now.bind(Date);

function startClock(): void {
  offset = 0;
  vi.spyOn(Date, "now").mockImplementation(() => realNow() + offset);
}

const sentToCrm = () => fixture.sentTo(CRM).map((request) => request.headers.get("webhook-id"));

/** A replay naming a kept record ({@link DeliveryMessage.keptAs}), queued to remove it. */
const naming = (sent: { body: QueueMessage }) => (sent.body as DeliveryMessage).keptAs !== undefined;

/**
 * Consumes what was queued once its delay has passed (the clock moves on by the longest): the replays, then
 * in a later batch those naming a record.
 */
async function deliverAll(queued: { body: QueueMessage; delaySeconds: number | undefined }[]): Promise<void> {
  offset += Math.max(0, ...queued.map((sent) => sent.delaySeconds ?? 0)) * 1000;
  await consume(
    DELIVERIES,
    queued.filter((sent) => !naming(sent)).map((sent) => sent.body as DeliveryMessage),
  );
  const later = queued.filter(naming);
  if (later.length === 0) return;
  await consume(
    DELIVERIES,
    later.map((sent) => sent.body as DeliveryMessage),
  );
}

describe("a delivery kept while its keeper still saw the pause, resumed within the second", () => {
  it("is delivered once and its record goes: a later pause and resume sends nothing again", async () => {
    startClock();
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));

    const kept = await consume(DELIVERIES, [pending(1)]);
    expect(kept.acked).toEqual(["m0"]);
    // The keeper found the pause in place: it queued nothing.
    expect(kept.deliveries).toEqual([]);

    const resumed = await adminPost("/crm/resume");
    expect(resumed.response.status).toBe(202);
    expect(resumed.body).toEqual({ target: "crm", paused: false, replayed: 1, remaining: false });
    await deliverAll(resumed.queued);
    expect(sentToCrm()).toEqual([event(1).id]);
    expect(await deadLetters("crm")).toEqual([]);

    const again = await pauseAndResumeLater((ms) => {
      offset += ms;
    });
    expect(again.body).toEqual({ target: "crm", paused: false, replayed: 0, remaining: false });
    expect(again.queued).toEqual([]);
    const all = await adminPost("/../dead-letters/replay");
    expect(all.queued).toEqual([]);
    expect(sentToCrm()).toEqual([event(1).id]);
  });

  it("is not sent again by a replay after the resume's claim on it lapsed, while its removal still waits", async () => {
    startClock();
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
    await consume(DELIVERIES, [pending(1)]);
    const resumed = await adminPost("/crm/resume");
    expect(resumed.body).toEqual({ target: "crm", paused: false, replayed: 1, remaining: false });
    expect(resumed.queued.filter(naming)).toHaveLength(1);

    // The removal has not run yet (its consumer kept failing, say) when, past the claim's ten minutes, an
    // operator replays every dead letter: the record is still listed, and its mark says it was sent.
    offset += CLAIM_HELD_MS + 60_000;
    const all = await adminPost("/../dead-letters/replay");
    expect(all.body).toEqual({ replayed: 0, remaining: false });
    expect(all.queued).toEqual([]);

    await deliverAll(resumed.queued);
    expect(sentToCrm()).toEqual([event(1).id]);
    expect(await deadLetters("crm")).toEqual([]);
  });

  it("is neither listed nor sent again by its own replay after the resume's claim lapsed, while its removal waits", async () => {
    startClock();
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
    await consume(DELIVERIES, [pending(1)]);
    const resumed = await adminPost("/crm/resume");
    expect(resumed.body).toEqual({ target: "crm", paused: false, replayed: 1, remaining: false });
    expect(resumed.queued.filter(naming)).toHaveLength(1);

    // Past the claim's ten minutes, the removal still waiting: the record is there, its mark says it was sent.
    offset += CLAIM_HELD_MS + 60_000;
    expect(await deadLetters("crm")).toEqual([]);
    const id = await deadLetterId("crm", event(1).id);
    const one = await adminPost(`/../dead-letters/${id}/replay`);
    expect(one.response.status).toBe(404);
    expect(one.queued).toEqual([]);

    await deliverAll(resumed.queued);
    expect(sentToCrm()).toEqual([event(1).id]);
    expect(await env.RELAY_STATE.get(`dead:${id}`)).toBeNull();
  });

  it("is not sent again by the next page of the same resume, called a second later", async () => {
    startClock();
    const since = new Date(Date.now() - 3_600_000).toISOString();
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since, by: "operator" }));
    // Sixty deliveries kept an hour ago: more than one page's worth.
    for (let n = 2; n <= 61; n++) {
      await storeDeadLetter(env.RELAY_STATE, {
        target: "crm",
        reason: "paused",
        event: event(n),
        attempts: 0,
        lastStatus: null,
        lastError: "not attempted: the target is paused",
        firstAttemptAt: new Date(Date.now() - 3_000_000 + n * 1000).toISOString(),
        lastAttemptAt: new Date(Date.now() - 3_000_000 + n * 1000).toISOString(),
      });
    }
    // Event 1 first reached the relay before all of them: it goes in the first page.
    const kept = await consume(DELIVERIES, [{ ...pending(1), firstAttemptAt: Date.now() - 3_600_000 }]);
    expect(kept.deliveries).toEqual([]);

    const first = await adminPost("/crm/resume");
    expect(first.body).toMatchObject({ remaining: true });
    // The console calls again a second later.
    offset += 1_000;
    const second = await adminPost("/crm/resume");
    expect(second.body).toMatchObject({ remaining: false });
    await deliverAll([...first.queued, ...second.queued]);
    expect(sentToCrm().filter((id) => id === event(1).id)).toHaveLength(1);
    expect(sentToCrm()).toHaveLength(61);
    expect(await deadLetters("crm")).toEqual([]);
  });
});

describe("a record the resume sent but could not delete yet, its target paused again at once", () => {
  it("is not kept again by the replay naming it: the next resume sends nothing", async () => {
    startClock();
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
    await consume(DELIVERIES, [pending(1)]);
    const resumed = await adminPost("/crm/resume");
    expect(resumed.body).toMatchObject({ replayed: 1 });
    offset += 2_000;
    await consume(
      DELIVERIES,
      resumed.queued.filter((sent) => !naming(sent)).map((sent) => sent.body as DeliveryMessage),
    );
    expect(sentToCrm()).toEqual([event(1).id]);

    // The operator pauses crm again before the replay naming the record is taken up.
    offset += 1_000;
    await adminPost("/crm/pause");
    offset += 1_000;
    await consume(
      DELIVERIES,
      resumed.queued.filter(naming).map((sent) => sent.body as DeliveryMessage),
    );
    expect(await deadLetters("crm")).toEqual([]);

    offset += 60_000;
    const again = await adminPost("/crm/resume");
    expect(again.body).toEqual({ target: "crm", paused: false, replayed: 0, remaining: false });
    expect(again.queued).toEqual([]);
    expect(sentToCrm()).toEqual([event(1).id]);
  });
});
