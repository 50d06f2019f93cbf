import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TARGETS_KEY } from "../../src/config/targets";
import { AUDIT, adminPost, CRM, deadLetters, EVENTS, fresh, usePauseFixture } from "../delivery/pause-support";
import { adminCall } from "../event-log/support";
import { aSecondPasses } from "../support/production/kv";
import { consume } from "../support/queue";
import { pairOf, post, type Seed, seed, storedLetters } from "./replay-support";

/**
 * KV takes one write per key per second, across invocations too: production answers the second write
 * with a 429. An operator who pauses a target and resumes it at once (or the other way round), or saves
 * the targets twice in a second, meets it. The relay answers 503 `state_unavailable` with
 * `Retry-After: 1` and changes nothing, never a 500; a paged resume writes the pause key on its first
 * page only, so its pages can follow one another closely.
 */
const { sentTo } = usePauseFixture();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const STATE_UNAVAILABLE = {
  code: "state_unavailable",
  error: expect.stringMatching(/KV refused the write \(it takes one write per key per second.*try again in a second$/),
};

describe("two writes to one KV key within a second, from two admin requests", () => {
  it("a resume right after the pause answers 503 state_unavailable, replays nothing, and works a second later", async () => {
    expect((await adminPost("/crm/pause")).response.status).toBe(202);
    await consume(EVENTS, [fresh(1)]);
    expect(await deadLetters()).toHaveLength(1);

    const tooSoon = await adminPost("/crm/resume");
    expect(tooSoon.response.status).toBe(503);
    expect(tooSoon.response.headers.get("retry-after")).toBe("1");
    expect(tooSoon.body).toEqual(STATE_UNAVAILABLE);
    expect(tooSoon.queued).toEqual([]);
    expect(await env.RELAY_STATE.get("paused:crm", "json")).toMatchObject({ by: "operator" });
    expect(await deadLetters()).toHaveLength(1);

    await sleep(1_050);
    const later = await adminPost("/crm/resume");
    expect(later.response.status).toBe(202);
    expect(later.body).toMatchObject({ paused: false, replayed: 1, remaining: false });
    expect(later.queued).toHaveLength(1);
    expect(sentTo(CRM)).toEqual([]);
  });

  it("a pause right after a resume answers 503 state_unavailable and leaves the target unpaused", async () => {
    await adminPost("/crm/pause");
    aSecondPasses();
    expect((await adminPost("/crm/resume")).response.status).toBe(202);

    const tooSoon = await adminPost("/crm/pause");
    expect(tooSoon.response.status).toBe(503);
    expect(tooSoon.response.headers.get("retry-after")).toBe("1");
    expect(tooSoon.body).toEqual(STATE_UNAVAILABLE);
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
  });

  it("a second targets document within a second answers 503 state_unavailable and keeps the first", async () => {
    const first = await adminCall("PUT", "/admin/targets", { body: JSON.stringify([CRM]) });
    expect(first.response.status).toBe(200);
    const stored = await env.RELAY_CONFIG.get(TARGETS_KEY);

    const second = await adminCall("PUT", "/admin/targets", { body: JSON.stringify([CRM, AUDIT]) });
    expect(second.response.status).toBe(503);
    expect(second.response.headers.get("retry-after")).toBe("1");
    expect(second.body).toEqual(STATE_UNAVAILABLE);
    expect(await env.RELAY_CONFIG.get(TARGETS_KEY)).toBe(stored);
  });

  it("a paged resume whose pages follow one another at once replays every kept letter once, each page a 202", async () => {
    await adminPost("/crm/pause");
    const kept = Array.from({ length: 150 }, (_, i): Seed => ({ target: "crm", reason: "paused", eventId: `k${i}` }));
    await seed(kept);
    aSecondPasses();

    const calls = [await post("/admin/targets/crm/resume")];
    while (calls.at(-1)?.body.remaining === true && calls.length < 20)
      calls.push(await post("/admin/targets/crm/resume"));

    expect(calls.length).toBeGreaterThan(1);
    expect(calls.map((call) => call.status)).toEqual(calls.map(() => 202));
    expect(calls.at(-1)?.body.remaining).toBe(false);
    const pairs = calls.flatMap((call) => call.queued.map(pairOf));
    expect(pairs.sort()).toEqual(kept.map((letter) => `${letter.eventId} → crm`).sort());
    expect(await storedLetters()).toEqual([]);
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
  }, 30_000);
});
