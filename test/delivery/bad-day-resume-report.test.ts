import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import type { RelayEvent } from "../../src/core/cloud-event";
import type { QueueMessage } from "../../src/queue/messages";
import { pairOf, post, type Seed, seed, untilDone } from "../admin/replay-support";
import { sampleEvent } from "../support/events";
import { aSecondPasses } from "../support/production/kv";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { AUDIT, CRM } from "./pause-support";

const OPS: Target = { id: "ops", url: "https://ops.example.com/in", types: ["relay.target.*"] };
const SINCE = "2026-11-20T09:00:00.000Z";
const RESUME = "/admin/targets/crm/resume";

beforeEach(async () => {
  await reset();
  await useTargets([CRM, AUDIT, OPS]);
  await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: SINCE, by: "gone" }));
});

const ownEvents = (queued: { body: QueueMessage }[]): RelayEvent[] =>
  queued.flatMap(({ body }) => (body.kind === "event" && body.event.provider === "relay" ? [body.event] : []));

/** `n` letters kept for crm while it was paused, about 59 KB each: four to a sendBatch. */
const kept = (n: number): Seed[] =>
  Array.from({ length: n }, (_, i) => ({
    target: "crm",
    reason: "paused",
    eventId: `e${i}`,
    event: sampleEvent(`e${i}`, { data: { raw: { notes: "x".repeat(59_000) } } }),
    firstAttemptAt: new Date(Date.UTC(2026, 10, 20, 10) + i * 1000).toISOString(),
  }));

describe("a resume whose first page the queue refuses part way", () => {
  it("still reports relay.target.resumed, with every replay counted, once the operator resumes again", async () => {
    await seed(kept(20));
    // The second sendBatch of the first page fails: four letters were replayed, the pause is already lifted.
    const failed = await post(RESUME, undefined, (call) => (call === 1 ? new Error("queue unavailable") : undefined));
    expect(failed.status).toBe(503);
    expect(failed.queued).toHaveLength(4);
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();

    // The operator does as the answer says: resume again until nothing remains.
    const calls = await untilDone(RESUME);
    expect(calls.every((call) => call.status === 202)).toBe(true);
    const replays = [...failed.queued, ...calls.flatMap((call) => call.queued)].filter(
      (sent) => sent.body.kind === "delivery",
    );
    expect(new Set(replays.map(pairOf)).size).toBe(20);

    // The ops channel hears that crm is back, once, with the whole count and the pause it ended.
    const reported = [...failed.queued, ...calls.flatMap((call) => call.queued)];
    const [resumed, ...others] = ownEvents(reported);
    expect(others).toEqual([]);
    expect(resumed).toMatchObject({
      id: `relay:target.resumed:crm:${Date.parse(SINCE)}`,
      type: "relay.target.resumed",
      data: { target: "crm", replayed: 20, pausedSince: SINCE },
    });
    expect(await env.RELAY_STATE.get("resuming:crm")).toBeNull();
  });
});

describe("a resume whose last page KV would not let remove its progress record", () => {
  it("does not lend that record's pause and count to the resume of the next pause", async () => {
    await seed(
      Array.from({ length: 60 }, (_, i) => ({
        target: "crm",
        reason: "paused" as const,
        eventId: `e${i}`,
        firstAttemptAt: new Date(Date.UTC(2026, 10, 20, 10) + i * 1000).toISOString(),
      })),
    );
    const first = await post(RESUME);
    expect(first.body).toMatchObject({ remaining: true });
    // KV is down for that key as the last page ends: the record stays.
    const remove = env.RELAY_STATE.delete.bind(env.RELAY_STATE);
    const down = vi
      .spyOn(env.RELAY_STATE, "delete")
      .mockImplementation((key: string) =>
        key === "resuming:crm" ? Promise.reject(new Error("KV DELETE failed: 503")) : remove(key),
      );
    const rest = await untilDone(RESUME);
    down.mockRestore();
    expect(rest.at(-1)?.body).toMatchObject({ remaining: false });
    expect(ownEvents(rest.flatMap((call) => call.queued))).toMatchObject([
      { id: `relay:target.resumed:crm:${Date.parse(SINCE)}`, data: { replayed: 60, pausedSince: SINCE } },
    ]);
    expect(await env.RELAY_STATE.get("resuming:crm")).not.toBeNull();

    // Days later crm is paused again, and resumed with nothing kept meanwhile.
    const realNow = Date.now.bind(Date);
    const later = vi.spyOn(Date, "now").mockImplementation(() => realNow() + 3 * 86_400_000);
    aSecondPasses();
    const pause = await post("/admin/targets/crm/pause");
    const since = pause.body.since as string;
    aSecondPasses();
    const resume = await post(RESUME);
    expect(resume.body).toEqual({ target: "crm", paused: false, replayed: 0, remaining: false });
    const [resumed, ...others] = ownEvents(resume.queued);
    expect(others).toEqual([]);
    expect(resumed).toMatchObject({
      id: `relay:target.resumed:crm:${Date.parse(since)}`,
      data: { target: "crm", replayed: 0, pausedSince: since },
    });
    expect(await env.RELAY_STATE.get("resuming:crm")).toBeNull();
    later.mockRestore();
  });
});
