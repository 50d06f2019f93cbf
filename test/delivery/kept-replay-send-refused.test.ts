import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { claimLetters, replayClaimant } from "../../src/event-log/replay-claims";
import { aSecondPasses } from "../support/production/kv";
import { consume } from "../support/queue";
import { adminPost, CRM, deadLetters, EVENTS, event, fresh, usePauseFixture } from "./pause-support";

/**
 * The fan-out keeps crm's delivery (crm paused when the batch began); a resume lifts the pause just as the
 * letter is written, so the keeper queues the delivery again naming the record, and the queue refuses that
 * send. The fan-out is run again (the event message is retried) and sends the event to crm, which is no
 * longer paused: so the keeper takes the record back first (claimed, then deleted once KV's second has passed).
 * Left behind, it was sent to crm a second time by the next resume.
 */
const { sentTo } = usePauseFixture();

beforeEach(async () => {
  await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
});

describe("a kept delivery whose keeper cannot queue its replay", () => {
  it("is sent to crm once, and leaves no paused letter for a later resume to send again", async () => {
    const put = env.RELAY_STATE.put.bind(env.RELAY_STATE);
    const spy = vi.spyOn(env.RELAY_STATE, "put").mockImplementation(async (key, value, options) => {
      if (key.startsWith("dead:crm.")) await env.RELAY_STATE.delete("paused:crm");
      return put(key, value, options);
    });
    const first = await consume(EVENTS, [fresh(1)], { deliveriesFailWith: new Error("Queue send failed") });
    expect(first.retried.map((r) => r.msgId)).toEqual(["m0"]);
    spy.mockRestore();
    expect(await deadLetters("crm")).toEqual([]);
    aSecondPasses();
    // Queues brings the event message back.
    const again = await consume(EVENTS, [fresh(1)], { attempts: 2 });
    expect(again.acked).toEqual(["m0"]);
    aSecondPasses();
    // Later the operator pauses and resumes crm (say for maintenance): what was kept is replayed.
    await adminPost("/crm/pause");
    aSecondPasses();
    const resumed = await adminPost("/crm/resume");
    const toCrm = sentTo(CRM).length;
    const replayed = resumed.queued.length;
    expect({ toCrm, replayed, kept: (await deadLetters("crm")).length }).toEqual({ toCrm: 1, replayed: 0, kept: 0 });
  });

  it("is left to a resume that claimed the record first: sent once, by the resume", async () => {
    const put = env.RELAY_STATE.put.bind(env.RELAY_STATE);
    const spy = vi.spyOn(env.RELAY_STATE, "put").mockImplementation(async (key, value, options) => {
      const written = await put(key, value, options);
      if (key.startsWith("dead:crm.")) {
        // The resume lifts the pause and lists the record, claiming it, before the keeper looks again.
        await env.RELAY_STATE.delete("paused:crm");
        const letter = JSON.parse(value as string) as { id: string; lastAttemptAt: string };
        await claimLetters(env, [{ letter }], replayClaimant(Date.now()));
      }
      return written;
    });
    const first = await consume(EVENTS, [fresh(1)], { deliveriesFailWith: new Error("Queue send failed") });
    spy.mockRestore();
    // crm's record is the resume's to send: the fan-out is done, and does not send it to crm itself.
    expect(first.acked).toEqual(["m0"]);
    expect(sentTo(CRM)).toHaveLength(0);
    expect((await deadLetters("crm")).map((letter) => letter.event.id)).toEqual([event(1).id]);
  });
});
