import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { deadLetterId } from "../../src/delivery/dead-letters/store";
import { AUDIT, CRM } from "../delivery/pause-support";
import { aSecondPasses } from "../support/production/kv";
import { PRODUCTION } from "../support/production/limits";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { pairOf, post, type Seed, seed, storedLetters, untilDone } from "./replay-support";

const RESUME = "/admin/targets/crm/resume";
const REPLAY = "/admin/dead-letters/replay";
const SINCE = "2026-11-20T09:00:00.000Z";

beforeEach(async () => {
  await reset();
  await useTargets([CRM, AUDIT]);
});

/** An event id whose crm letter's key starts with `hex`: where it sorts among the others. */
async function idSortingAt(hex: string, stem: string): Promise<string> {
  for (let n = 0; ; n++) if ((await deadLetterId("crm", `${stem}${n}`)).startsWith(`crm.${hex}`)) return `${stem}${n}`;
}

/** `n` failed crm letters stored as before letters carried metadata: each is read to be filtered. */
const failed = (n: number): Seed[] =>
  Array.from({ length: n }, (_, i) => ({ target: "crm", reason: "failed", eventId: `f${i}`, legacy: true }));

describe("a paged replay behind a long run of letters its filter skips", () => {
  it("carries on where the last call stopped, for a resume and for a bulk replay, each call within the budget", async () => {
    // One call reads about 3,600 of these (a list and ten reads per 1,000); a letter sorting after them
    // was never reached when every call walked again from the first key.
    await seed(failed(5000));
    const last = await idSortingAt("fff", "p");
    await seed([{ target: "crm", reason: "paused", eventId: last }]);

    const replay = await untilDone(REPLAY, JSON.stringify({ target: "crm", reason: "paused" }), 6);
    expect(replay.map((call) => [call.status, call.body.remaining])).toEqual([
      [202, true],
      [202, false],
    ]);
    expect(replay.flatMap((call) => call.queued.map(pairOf))).toEqual([`${last} → crm`]);
    expect(Math.max(...replay.map((call) => call.operations))).toBeLessThanOrEqual(PRODUCTION.freeOperations);
    // Done: the cursor goes with it, and the next replay starts from the first key.
    expect(await env.RELAY_STATE.list({ prefix: "replaying:" })).toMatchObject({ keys: [] });

    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: SINCE, by: "gone" }));
    // Kept again, later: a new version of the letter (the one replayed above stays claimed by that replay).
    await seed([{ target: "crm", reason: "paused", eventId: last, lastAttemptAt: "2026-11-21T11:00:00.000Z" }]);
    const resume = await untilDone(RESUME, undefined, 6);
    expect(resume.map((call) => [call.status, call.body.remaining])).toEqual([
      [202, true],
      [202, false],
    ]);
    expect(resume.flatMap((call) => call.queued.map(pairOf))).toEqual([`${last} → crm`]);
    expect(Math.max(...resume.map((call) => call.operations))).toBeLessThanOrEqual(PRODUCTION.freeOperations);
    expect(await env.RELAY_STATE.get("resuming:crm")).toBeNull();
    expect((await storedLetters()).filter((letter) => letter.reason !== "failed")).toEqual([]);
  }, 60_000);
});

describe("a stored cursor", () => {
  /** A real list cursor of crm's letters: past the first 1,000 keys. */
  async function cursorPastFirstPage(): Promise<string> {
    await seed(failed(1001).map((spec) => ({ ...spec, legacy: false })));
    const page = await env.RELAY_STATE.list({ prefix: "dead:crm.", limit: 1000 });
    expect(page.list_complete).toBe(false);
    return (page as { cursor: string }).cursor;
  }

  it("is not used by the first call of a new pause: its letters may sort anywhere", async () => {
    const cursor = await cursorPastFirstPage();
    // A resume left unfinished, then a new pause whose kept letter sorts first.
    await env.RELAY_STATE.put("resuming:crm", JSON.stringify({ pausedSince: SINCE, replayed: 5, cursor }));
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: SINCE, by: "gone" }));
    const first = await idSortingAt("000", "n");
    await seed([{ target: "crm", reason: "paused", eventId: first }]);

    const calls = await untilDone(RESUME, undefined, 6);
    expect(calls.flatMap((call) => call.queued.map(pairOf))).toEqual([`${first} → crm`]);
    expect(calls.at(-1)?.body).toEqual({ target: "crm", paused: false, replayed: 1, remaining: false });
  });

  it("of an unfinished resume is not used after a new pause's first page could not save its own", async () => {
    const cursor = await cursorPastFirstPage();
    // A resume left unfinished days ago, then a new pause that kept more than one call replays.
    const at = Date.now() - 3 * 86_400_000;
    await env.RELAY_STATE.put("resuming:crm", JSON.stringify({ pausedSince: SINCE, replayed: 5, cursor, at }));
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "gone" }));
    await seed(Array.from({ length: 100 }, (_, i) => ({ target: "crm", reason: "paused" as const, eventId: `p${i}` })));
    // KV is down for the progress record as the first page ends: the pause is lifted, the old record stays.
    const write = env.RELAY_STATE.put.bind(env.RELAY_STATE);
    const down = vi
      .spyOn(env.RELAY_STATE, "put")
      .mockImplementation((key: string, ...rest: unknown[]) =>
        key === "resuming:crm"
          ? Promise.reject(new Error("KV PUT failed: 503"))
          : (write as (...args: unknown[]) => Promise<void>)(key, ...rest),
      );
    const first = await post(RESUME);
    down.mockRestore();
    expect(first.body).toMatchObject({ paused: false, remaining: true });
    aSecondPasses();
    const rest = await untilDone(RESUME, undefined, 10);
    expect(rest.at(-1)?.body).toMatchObject({ remaining: false });
    // Every delivery kept for the new pause is replayed, not only those after the old resume's cursor.
    expect((await storedLetters()).filter((letter) => letter.reason === "paused")).toEqual([]);
    const replayed = [...first.queued, ...rest.flatMap((call) => call.queued)].filter(
      (sent) => sent.body.kind === "delivery",
    );
    expect(new Set(replayed.map(pairOf)).size).toBe(100);
  }, 60_000);

  it("that KV no longer takes starts the walk over from the first key", async () => {
    await seed([{ target: "crm", reason: "failed", eventId: "e1" }]);
    await env.RELAY_STATE.put(`replaying:${JSON.stringify(["crm", null, null])}`, "not a cursor");
    const call = await post(REPLAY, JSON.stringify({ target: "crm" }));
    expect(call.status).toBe(202);
    expect(call.body).toEqual({ replayed: 1, remaining: false });
    expect(call.queued.map(pairOf)).toEqual(["e1 → crm"]);
  });
});
