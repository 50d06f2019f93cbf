import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DeliveryMessage } from "../../src/queue/messages";
import { consume } from "../support/queue";
import {
  adminPost,
  CRM,
  DELIVERIES,
  deadLetters,
  keptWhilePaused,
  usePauseFixture,
  useTestClock,
} from "./pause-support";

/**
 * crm answered 410 for an hour and kept a hundred deliveries. The operator resumes it: a resume goes in
 * pages, and the console (or the documented curl loop) calls again while `remaining`. crm still answers
 * 410 to the first replays, so the relay pauses it again. The loop's next page must not lift that pause:
 * it would send crm the rest, which it refuses too, and the next page would lift the pause again, page
 * after page, for as long as crm answers 410.
 */
const { crm, sentTo } = usePauseFixture();

const clock = useTestClock();

describe("a target that answers 410 again to the first page of its resume", () => {
  it("stays paused: the next page lifts nothing and sends nothing, and a resume asked for later does", async () => {
    clock.start();
    const hourAgo = Date.now() - 3_600_000;
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date(hourAgo).toISOString(), by: "gone" }));
    for (let n = 1; n <= 100; n++) {
      await keptWhilePaused(n, new Date(hourAgo + n * 1000).toISOString());
    }
    crm.status = 410;

    const first = await adminPost("/crm/resume");
    expect(first.body).toMatchObject({ target: "crm", paused: false, remaining: true });
    // Two seconds later the first batch of replays is taken up: crm answers 410 and is paused again.
    clock.advance(2_000);
    await consume(
      DELIVERIES,
      first.queued.slice(0, 6).map((sent) => sent.body as DeliveryMessage),
    );
    const pause = JSON.parse((await env.RELAY_STATE.get("paused:crm")) ?? "null");
    expect(pause).toMatchObject({ by: "gone" });
    const sent = sentTo(CRM).length;

    // The loop's next page, a second later.
    clock.advance(1_000);
    const next = await adminPost("/crm/resume");
    expect(next.response.status).toBe(202);
    expect(next.body).toEqual({ target: "crm", paused: true, replayed: 0, remaining: false });
    expect(next.queued).toEqual([]);
    expect(JSON.parse((await env.RELAY_STATE.get("paused:crm")) ?? "null")).toEqual(pause);
    expect(sentTo(CRM)).toHaveLength(sent);
    expect(await env.RELAY_STATE.get("resuming:crm")).toBeNull();

    // Once crm is fixed, the operator resumes it again: that resume lifts the new pause.
    clock.advance(60_000);
    crm.status = 204;
    const again = await adminPost("/crm/resume");
    expect(again.body).toMatchObject({ target: "crm", paused: false });
    expect(again.queued.length).toBeGreaterThan(0);
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
    expect((await deadLetters("crm")).length).toBeLessThan(100);
  });
});
