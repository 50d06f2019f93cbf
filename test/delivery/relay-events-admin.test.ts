import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { Target } from "../../src/config/targets";
import type { RelayEvent } from "../../src/core/cloud-event";
import type { QueueMessage } from "../../src/queue/messages";
import { post, type Seed, seed, untilDone } from "../admin/replay-support";
import { PRODUCTION } from "../support/production/limits";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { AUDIT, CRM } from "./pause-support";

const OPS: Target = { id: "ops", url: "https://ops.example.com/in", types: ["relay.target.*"] };
const SINCE = "2026-11-20T09:00:00.000Z";

beforeEach(async () => {
  await reset();
  await useTargets([CRM, AUDIT, OPS]);
});

const ownEvents = (queued: { body: QueueMessage }[]): RelayEvent[] =>
  queued.flatMap(({ body }) => (body.kind === "event" && body.event.provider === "relay" ? [body.event] : []));

describe("an operator's pause", () => {
  it("raises relay.target.paused, by the operator, in the same request", async () => {
    const call = await post("/admin/targets/crm/pause");
    expect(call.status).toBe(202);
    const [paused, ...others] = ownEvents(call.queued);
    expect(others).toEqual([]);
    expect(paused).toMatchObject({
      id: `relay:target.paused:crm:${Date.parse(call.body.since as string)}`,
      type: "relay.target.paused",
      subject: "crm",
      data: { target: "crm", by: "operator", reason: "paused by an operator", since: call.body.since },
    });
    expect(call.operations).toBeLessThanOrEqual(PRODUCTION.freeOperations);
  });

  it("queues nothing when no target names it", async () => {
    await useTargets([CRM, AUDIT]);
    const call = await post("/admin/targets/crm/pause");
    expect(call.status).toBe(202);
    expect(call.queued).toEqual([]);
  });

  it("of the ops target itself queues nothing: a target never hears about itself", async () => {
    const call = await post("/admin/targets/ops/pause");
    expect(call.status).toBe(202);
    expect(call.queued).toEqual([]);
  });
});

describe("a resume", () => {
  const kept = (n: number): Seed[] =>
    Array.from({ length: n }, (_, i) => ({
      target: "crm",
      reason: "paused",
      eventId: `e${i}`,
      firstAttemptAt: new Date(Date.UTC(2026, 10, 20, 10) + i * 1000).toISOString(),
    }));

  beforeEach(async () => {
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: SINCE, by: "gone" }));
  });

  it("reports relay.target.resumed once, when its last page is done, with the total replayed", async () => {
    await seed(kept(130));
    const calls = await untilDone("/admin/targets/crm/resume");
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.every((call) => call.status === 202)).toBe(true);
    expect(Math.max(...calls.map((call) => call.operations))).toBeLessThanOrEqual(PRODUCTION.freeOperations);
    expect(calls.slice(0, -1).flatMap((call) => ownEvents(call.queued))).toEqual([]);
    const [resumed, ...others] = ownEvents((calls.at(-1) as (typeof calls)[number]).queued);
    expect(others).toEqual([]);
    expect(resumed).toMatchObject({
      id: `relay:target.resumed:crm:${Date.parse(SINCE)}`,
      type: "relay.target.resumed",
      data: { target: "crm", replayed: 130, pausedSince: SINCE },
    });
    expect(await env.RELAY_STATE.get("resuming:crm")).toBeNull();

    // Resuming again (nothing paused, nothing kept) reports nothing.
    const again = await post("/admin/targets/crm/resume");
    expect(again.status).toBe(202);
    expect(ownEvents(again.queued)).toEqual([]);
  });

  it("in one page reports at once", async () => {
    await seed(kept(3));
    const call = await post("/admin/targets/crm/resume");
    expect(call.body).toMatchObject({ replayed: 3, remaining: false });
    expect(ownEvents(call.queued).map((own) => (own.data as unknown as Record<string, unknown>).replayed)).toEqual([3]);
  });

  it("ends a pause whose record was put by hand (not JSON), reporting pausedSince as unknown", async () => {
    await env.RELAY_STATE.put("paused:crm", "{not json");
    await seed(kept(2));
    const before = Date.now();
    const call = await post("/admin/targets/crm/resume");
    expect(call.status).toBe(202);
    expect(call.body).toMatchObject({ replayed: 2, remaining: false });
    const [resumed, ...others] = ownEvents(call.queued);
    expect(others).toEqual([]);
    expect(resumed).toMatchObject({
      type: "relay.target.resumed",
      data: { target: "crm", replayed: 2, pausedSince: null },
    });
    // The pause's time unknown, its id names the resume's.
    const at = Number(resumed?.id.split(":").at(-1));
    expect(at).toBeGreaterThanOrEqual(before);
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
  });

  it("ends a pause put by hand for a target no longer in the document", async () => {
    await useTargets([AUDIT, OPS]);
    await env.RELAY_STATE.put("paused:crm", "{not json");
    const call = await post("/admin/targets/crm/resume");
    expect(call.status).toBe(202);
    expect(call.body).toMatchObject({ target: "crm", paused: false, replayed: 0, remaining: false });
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
  });

  it("reads nothing more when no target names relay.target.resumed", async () => {
    await useTargets([CRM, AUDIT]);
    await seed(kept(3));
    const call = await post("/admin/targets/crm/resume");
    expect(call.status).toBe(202);
    expect(ownEvents(call.queued)).toEqual([]);
    expect(call.queued).toHaveLength(3);
  });
});
