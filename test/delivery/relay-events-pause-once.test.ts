import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { Target } from "../../src/config/targets";
import type { RelayEvent } from "../../src/core/cloud-event";
import type { Pause } from "../../src/delivery/pauses";
import type { QueueMessage } from "../../src/queue/messages";
import { post } from "../admin/replay-support";
import { mockFetch } from "../support/fetch";
import { asInvocation } from "../support/production/operations";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";
import { AUDIT, CRM, EVENTS, fresh, usePauseFixture } from "./pause-support";

/**
 * A target is paused once, and that pause is reported once: a consumer that meets a target another
 * consumer paused a moment ago (its own batch began before the pause), or an operator who presses
 * pause on a target already paused, keeps the pause as it is (when, by whom, why) and raises nothing.
 */
const OPS: Target = { id: "ops", url: "https://ops.example.com/in", types: ["relay.*"] };
const EARLIER: Pause = { since: "2026-11-21T10:00:00.000Z", by: "gone", reason: "19024: bot removed" };

usePauseFixture();

beforeEach(async () => {
  await useTargets([CRM, AUDIT, OPS]);
});

const ownEvents = (queued: { body: QueueMessage }[]): RelayEvent[] =>
  queued.flatMap(({ body }) => (body.kind === "event" && body.event.provider === "relay" ? [body.event] : []));

const storedPause = () => env.RELAY_STATE.get("paused:crm", "json");

describe("a target paused while a batch was sending to it", () => {
  it("keeps the pause another consumer wrote and does not report it again", async () => {
    // Another consumer's batch saw the 410 first: it wrote the pause (and reported it) while this batch sent.
    const outbound = mockFetch(async (request) => {
      if (request.url !== CRM.url) return new Response(null, { status: 204 });
      await asInvocation("queue meeting-relay-events (1 messages)", 50, () =>
        env.RELAY_STATE.put("paused:crm", JSON.stringify(EARLIER)),
      );
      return new Response(null, { status: 410 });
    });
    try {
      const run = await consume(EVENTS, [fresh(1)]);
      expect(run.acked).toEqual(["m0"]);
      expect(await storedPause()).toEqual(EARLIER);
      expect(ownEvents(run.events)).toEqual([]);
    } finally {
      outbound.restore();
    }
  });
});

describe("an operator's pause of a target already paused", () => {
  it("answers the pause in place, keeps its reason, and reports nothing", async () => {
    await env.RELAY_STATE.put("paused:crm", JSON.stringify(EARLIER));
    const call = await post("/admin/targets/crm/pause");
    expect(call.status).toBe(202);
    expect(call.body).toEqual({ target: "crm", paused: true, since: EARLIER.since });
    expect(await storedPause()).toEqual(EARLIER);
    expect(ownEvents(call.queued as { body: QueueMessage }[])).toEqual([]);
  });
});
