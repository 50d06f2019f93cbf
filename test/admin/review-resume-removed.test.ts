import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { deadLetterId } from "../../src/delivery/dead-letters/store";
import { AUDIT } from "../delivery/pause-support";
import { PRODUCTION } from "../support/production/limits";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { pairOf, type Seed, seed, storedLetters, untilDone } from "./replay-support";

const RESUME = "/admin/targets/crm/resume";

beforeEach(async () => {
  await reset();
  // crm was taken out of the document while paused: only its pause and its letters are left.
  await useTargets([AUDIT]);
  await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: "2026-11-20T09:00:00.000Z", by: "gone" }));
});

/** `n` event ids whose crm letters' keys start with one of `hexes`: where they sort among the others. */
async function idsSortingAt(hexes: string, stem: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; ids.length < n; i++) {
    const id = `${stem}${i}`;
    if (hexes.includes((await deadLetterId("crm", id)).charAt(4))) ids.push(id);
  }
  return ids;
}

describe("a paged resume of a target no longer configured, its kept letters behind a page of others", () => {
  it("carries on until every kept letter is replayed, instead of answering 404 once the pause is lifted", async () => {
    // A long outage (1,000 failed letters), then a 410 (100 kept): the kept ones sort after the failed ones.
    const failedIds = await idsSortingAt("01234567", "f", 1000);
    const keptIds = await idsSortingAt("f", "p", 100);
    await seed([
      ...failedIds.map((eventId): Seed => ({ target: "crm", reason: "failed", eventId })),
      ...keptIds.map((eventId): Seed => ({ target: "crm", reason: "paused", eventId })),
    ]);

    const calls = await untilDone(RESUME, undefined, 10);

    // Before the fix the second call found no pause and no kept letter among the first 1,000 keys: 404
    // "no target with id", and the console stopped with 60 kept deliveries never replayed.
    expect(calls.map((call) => call.status)).toEqual(calls.map(() => 202));
    expect(calls.at(-1)?.body.remaining).toBe(false);
    expect(Math.max(...calls.map((call) => call.operations))).toBeLessThanOrEqual(PRODUCTION.freeOperations);
    const pairs = calls.flatMap((call) => call.queued.map(pairOf));
    expect(pairs.sort()).toEqual(keptIds.map((id) => `${id} → crm`).sort());
    const left = await storedLetters();
    expect(left.filter((letter) => letter.reason === "paused")).toEqual([]);
    expect(left).toHaveLength(1000);
    expect(await env.RELAY_STATE.get("resuming:crm")).toBeNull();
  }, 60_000);
});
