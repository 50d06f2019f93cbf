import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deadLetterId } from "../../src/delivery/dead-letters/store";
import { CLAIM_HELD_MS } from "../../src/event-log/replay-claims";
import type { DeliveryMessage } from "../../src/queue/messages";
import { consume } from "../support/queue";
import {
  adminPost,
  CRM,
  DELIVERIES,
  deadLetters,
  deliverQueued,
  event,
  keptWhilePaused,
  namesRecord,
  pauseAndResumeLater,
  pending,
  usePauseFixture,
  useTestClock,
} from "./pause-support";

/**
 * KV takes one write per key per second, across invocations. A retry consumer keeps a delivery for its
 * paused target, looks at the pause once more and finds it still in place; a moment later (within the
 * second) an operator resumes the target. The resume lists the record, queues it, and KV refuses its
 * delete. No replay of the keeper's names the record, so the resume itself must see it removed, and no
 * later page, resume or bulk replay may send it again.
 */
const fixture = usePauseFixture();

const clock = useTestClock();

const sentToCrm = () => fixture.sentTo(CRM).map((request) => request.headers.get("webhook-id"));

/** crm paused, event 1's delivery kept, then resumed: what the resume answered, its record's removal queued. */
async function keptThenResumed() {
  clock.start();
  await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
  await consume(DELIVERIES, [pending(1)]);
  const resumed = await adminPost("/crm/resume");
  expect(resumed.body).toEqual({ target: "crm", paused: false, replayed: 1, remaining: false });
  expect(resumed.queued.filter(namesRecord)).toHaveLength(1);
  return resumed;
}

describe("a delivery kept while its keeper still saw the pause, resumed within the second", () => {
  it("is delivered once and its record goes: a later pause and resume sends nothing again", async () => {
    clock.start();
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));

    const kept = await consume(DELIVERIES, [pending(1)]);
    expect(kept.acked).toEqual(["m0"]);
    // The keeper found the pause in place: it queued nothing.
    expect(kept.deliveries).toEqual([]);

    const resumed = await adminPost("/crm/resume");
    expect(resumed.response.status).toBe(202);
    expect(resumed.body).toEqual({ target: "crm", paused: false, replayed: 1, remaining: false });
    await deliverQueued(resumed.queued, clock.advance);
    expect(sentToCrm()).toEqual([event(1).id]);
    expect(await deadLetters("crm")).toEqual([]);

    const again = await pauseAndResumeLater((ms) => {
      clock.advance(ms);
    });
    expect(again.body).toEqual({ target: "crm", paused: false, replayed: 0, remaining: false });
    expect(again.queued).toEqual([]);
    const all = await adminPost("/../dead-letters/replay");
    expect(all.queued).toEqual([]);
    expect(sentToCrm()).toEqual([event(1).id]);
  });

  it("is not sent again by a replay after the resume's claim on it lapsed, while its removal still waits", async () => {
    const resumed = await keptThenResumed();

    // The removal has not run yet (its consumer kept failing, say) when, past the claim's ten minutes, an
    // operator replays every dead letter: the record is still listed, and its mark says it was sent.
    clock.advance(CLAIM_HELD_MS + 60_000);
    const all = await adminPost("/../dead-letters/replay");
    expect(all.body).toEqual({ replayed: 0, remaining: false });
    expect(all.queued).toEqual([]);

    await deliverQueued(resumed.queued, clock.advance);
    expect(sentToCrm()).toEqual([event(1).id]);
    expect(await deadLetters("crm")).toEqual([]);
  });

  it("is neither listed nor sent again by its own replay after the resume's claim lapsed, while its removal waits", async () => {
    const resumed = await keptThenResumed();

    // Past the claim's ten minutes, the removal still waiting: the record is there, its mark says it was sent.
    clock.advance(CLAIM_HELD_MS + 60_000);
    expect(await deadLetters("crm")).toEqual([]);
    const id = await deadLetterId("crm", event(1).id);
    const one = await adminPost(`/../dead-letters/${id}/replay`);
    expect(one.response.status).toBe(404);
    expect(one.queued).toEqual([]);

    await deliverQueued(resumed.queued, clock.advance);
    expect(sentToCrm()).toEqual([event(1).id]);
    expect(await env.RELAY_STATE.get(`dead:${id}`)).toBeNull();
  });

  it("is not sent again by the next page of the same resume, called a second later", async () => {
    clock.start();
    const since = new Date(Date.now() - 3_600_000).toISOString();
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since, by: "operator" }));
    // Sixty deliveries kept an hour ago: more than one page's worth.
    for (let n = 2; n <= 61; n++) {
      await keptWhilePaused(n, new Date(Date.now() - 3_000_000 + n * 1000).toISOString());
    }
    // Event 1 first reached the relay before all of them: it goes in the first page.
    const kept = await consume(DELIVERIES, [{ ...pending(1), firstAttemptAt: Date.now() - 3_600_000 }]);
    expect(kept.deliveries).toEqual([]);

    const first = await adminPost("/crm/resume");
    expect(first.body).toMatchObject({ remaining: true });
    // The console calls again a second later.
    clock.advance(1_000);
    const second = await adminPost("/crm/resume");
    expect(second.body).toMatchObject({ remaining: false });
    await deliverQueued([...first.queued, ...second.queued], clock.advance);
    expect(sentToCrm().filter((id) => id === event(1).id)).toHaveLength(1);
    expect(sentToCrm()).toHaveLength(61);
    expect(await deadLetters("crm")).toEqual([]);
  });
});

describe("a record the resume sent but could not delete yet, its target paused again at once", () => {
  it("is not kept again by the replay namesRecord it: the next resume sends nothing", async () => {
    clock.start();
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
    await consume(DELIVERIES, [pending(1)]);
    const resumed = await adminPost("/crm/resume");
    expect(resumed.body).toMatchObject({ replayed: 1 });
    clock.advance(2_000);
    await consume(
      DELIVERIES,
      resumed.queued.filter((sent) => !namesRecord(sent)).map((sent) => sent.body as DeliveryMessage),
    );
    expect(sentToCrm()).toEqual([event(1).id]);

    // The operator pauses crm again before the replay namesRecord the record is taken up.
    clock.advance(1_000);
    await adminPost("/crm/pause");
    clock.advance(1_000);
    await consume(
      DELIVERIES,
      resumed.queued.filter(namesRecord).map((sent) => sent.body as DeliveryMessage),
    );
    expect(await deadLetters("crm")).toEqual([]);

    clock.advance(60_000);
    const again = await adminPost("/crm/resume");
    expect(again.body).toEqual({ target: "crm", paused: false, replayed: 0, remaining: false });
    expect(again.queued).toEqual([]);
    expect(sentToCrm()).toEqual([event(1).id]);
  });
});
