import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { Target } from "../../src/config/targets";
import type { EventMessage, QueueMessage } from "../../src/queue/messages";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";
import { AUDIT, CRM, EVENTS, fresh, usePauseFixture } from "./pause-support";

/**
 * While the targets document is invalid, its report goes to the last valid document's targets that
 * name it. A target that names only other relay events (its pauses, say) does not want it: nothing
 * is queued for it, and the hour's marker is not spent on a report nobody gets.
 */
const PAUSES_ONLY: Target = { id: "ops", url: "https://ops.example.com/in", types: ["relay.target.*"] };

usePauseFixture();

beforeEach(async () => {
  await useTargets([CRM, AUDIT, PAUSES_ONLY]);
});

const waiting = (n: number): EventMessage[] => Array.from({ length: n }, (_, i) => fresh(i + 1));
const ownEvents = (queued: { body: QueueMessage }[]) =>
  queued.filter(({ body }) => body.kind === "event" && body.event.provider === "relay");

describe("relay.config.invalid with no target that names it", () => {
  it("is not queued, and no marker is written", async () => {
    await consume(EVENTS, [fresh(100)]);
    expect(await env.RELAY_STATE.get("relay-events:targets", "json")).toEqual([PAUSES_ONLY]);
    await useTargets('[{"id": "crm"}]');

    const run = await consume(EVENTS, waiting(2));
    expect(run.retried).toHaveLength(2);
    expect(ownEvents(run.events)).toEqual([]);
    expect(await env.RELAY_STATE.get("relay-events:config-invalid")).toBeNull();
  });
});
