import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { RelayEvent } from "../../src/core/cloud-event";
import { aSecondPasses } from "../support/production/kv";
import { asInvocation } from "../support/production/operations";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";
import { AUDIT, CRM, DELIVERIES, deadLetters, pending, usePauseFixture } from "./pause-support";

/**
 * crm is paused when a retry batch begins; an operator resumes it right after the batch's read of the
 * pauses, so the batch (reading the pause again) attempts crm's delivery, and crm answers 410 Gone. The
 * batch had counted crm among its paused targets (the set read when it began), and a 410 from a target it
 * counts as paused writes no pause: crm was left unpaused after a 410, with no `relay.target.paused`.
 */
const OPS = { id: "ops", url: "https://ops.example.com/in", types: ["relay.*"] };
const { crm, sentTo } = usePauseFixture();

beforeEach(async () => {
  crm.status = 410;
  await useTargets([CRM, AUDIT, OPS]);
  await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
});

describe("a 410 from a target resumed while the retry batch ran", () => {
  it("pauses the target again, keeps the delivery for its resume and reports the pause", async () => {
    const get = env.RELAY_STATE.get.bind(env.RELAY_STATE) as (...args: unknown[]) => Promise<unknown>;
    let reads = 0;
    vi.spyOn(env.RELAY_STATE, "get").mockImplementation((async (...args: unknown[]) => {
      const value = await get(...args);
      // The resume (a request of its own) lands right after the batch's first read of the pauses.
      if (Array.isArray(args[0]) && args[0].includes("paused:crm") && ++reads === 1) {
        await asInvocation("fetch POST /admin/targets/crm/resume", 50, () => env.RELAY_STATE.delete("paused:crm"));
        aSecondPasses(); // crm's answer takes a while
      }
      return value;
    }) as typeof env.RELAY_STATE.get);
    const run = await consume(DELIVERIES, [pending(1)]);
    vi.restoreAllMocks();
    expect(run.acked).toEqual(["m0"]);
    expect(sentTo(CRM)).toHaveLength(1);
    expect(JSON.parse((await env.RELAY_STATE.get("paused:crm")) ?? "null")).toMatchObject({ by: "gone" });
    expect(run.deliveries).toEqual([]);
    expect((await deadLetters("crm")).map((letter) => letter.reason)).toEqual(["paused"]);
    const reported = run.events.map(({ body }) => (body as { event: RelayEvent }).event.type);
    expect(reported).toEqual(["relay.target.paused"]);
  });
});
