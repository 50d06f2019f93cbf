import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { AUDIT, CRM } from "../delivery/pause-support";
import { aSecondPasses } from "../support/production/kv";
import { PRODUCTION } from "../support/production/limits";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { type PagedCall, pairOf, post, type Seed, seed, storedLetters, untilDone } from "./replay-support";

/**
 * A paged resume or bulk replay keeps where it stands in one KV record (`resuming:<target>`,
 * `replaying:<filter>`), written by every call that has pages to go and deleted by the last. KV takes one
 * write per key per second, so a caller that asks for the next page at once (a script looping while the
 * answer says "remaining") had its last call's delete refused: the record stayed. The next bulk replay with
 * the same filter started from its cursor, leaving every letter before it where it was; the next resume
 * carried its count into the total it reports. The write now waits out KV's second and is made again.
 */
const RESUME = "/admin/targets/crm/resume";
const REPLAY = "/admin/dead-letters/replay";

beforeEach(async () => {
  await reset();
  await useTargets([CRM, AUDIT]);
});

/** Calls `path` again at once while the answer says "remaining" (at most 20 calls). */
async function atOnce(path: string, body?: string): Promise<PagedCall[]> {
  const calls = [await post(path, body)];
  while (calls.at(-1)?.body.remaining === true && calls.length < 20) calls.push(await post(path, body));
  return calls;
}

const kept = (n: number, stem: string): Seed[] =>
  Array.from({ length: n }, (_, i) => ({ target: "crm", reason: "paused", eventId: `${stem}${i}` }));

const pause = (since: string) => env.RELAY_STATE.put("paused:crm", JSON.stringify({ since, by: "operator" }));

describe("a paged resume called again at once", () => {
  it("leaves no record behind: the resume of the next pause replays every letter it kept", async () => {
    await pause("2026-12-01T09:00:00.000Z");
    await seed(kept(150, "k"));
    const calls = await atOnce(RESUME);
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.map((call) => call.status)).toEqual(calls.map(() => 202));
    expect(calls.at(-1)?.body.remaining).toBe(false);
    expect(Math.max(...calls.map((call) => call.operations))).toBeLessThanOrEqual(PRODUCTION.freeOperations);
    expect(calls.flatMap((call) => call.queued.map(pairOf))).toHaveLength(150);
    expect(await env.RELAY_STATE.get("resuming:crm")).toBeNull();

    aSecondPasses();
    await pause("2026-12-02T09:00:00.000Z");
    const next = kept(150, "n");
    await seed(next);
    const again = await untilDone(RESUME);
    expect(again.flatMap((call) => call.queued.map(pairOf)).sort()).toEqual(
      next.map((letter) => `${letter.eventId} → crm`).sort(),
    );
    expect(await storedLetters()).toEqual([]);
  }, 30_000);
});

describe("a paged bulk replay called again at once", () => {
  it("leaves no record behind: the next replay starts from the first key", async () => {
    const failed = (stem: string) =>
      Array.from({ length: 150 }, (_, i): Seed => ({ target: "crm", reason: "failed", eventId: `${stem}${i}` }));
    await seed(failed("f"));
    const body = JSON.stringify({ target: "crm" });
    const calls = await atOnce(REPLAY, body);
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.map((call) => call.status)).toEqual(calls.map(() => 202));
    expect(calls.at(-1)?.body.remaining).toBe(false);
    expect(calls.flatMap((call) => call.queued.map(pairOf))).toHaveLength(150);
    expect((await env.RELAY_STATE.list({ prefix: "replaying:" })).keys).toEqual([]);

    aSecondPasses();
    const later = failed("g");
    await seed(later);
    const again = await untilDone(REPLAY, body);
    expect(again.flatMap((call) => call.queued.map(pairOf)).sort()).toEqual(
      later.map((letter) => `${letter.eventId} → crm`).sort(),
    );
  }, 30_000);
});
