import { reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RelayEvent } from "../../src/events";
import type { EventMessage } from "../../src/queue/messages";
import { runQueue } from "../support/queue";
import { interceptDeliveries, useTargets } from "../support/targets";

function event(id: string, overrides: Partial<RelayEvent> = {}): RelayEvent {
  return {
    specversion: "1.0",
    id,
    source: "/webhooks/tencent-meeting",
    type: "meeting.started",
    time: "2026-11-21T10:00:00Z",
    datacontenttype: "application/json",
    provider: "tencent-meeting",
    providerevent: "meeting.started",
    data: { raw: {} },
    ...overrides,
  };
}

function consume(events: RelayEvent[]) {
  return runQueue(
    "meeting-relay-events",
    events.map((e) => ({ kind: "event", event: e, receivedAt: Date.now() }) satisfies EventMessage),
  );
}

let intercept: ReturnType<typeof interceptDeliveries>;
const failing = new Set<string>();

beforeEach(async () => {
  await reset();
  failing.clear();
  intercept = interceptDeliveries((url) => new Response(null, { status: failing.has(url) ? 503 : 204 }));
});
afterEach(() => intercept.restore());

describe("fan-out", () => {
  it("sends each event to every enabled target whose types and providers match", async () => {
    await useTargets([
      { id: "meetings", url: "https://a.example/m", types: ["meeting.*"] },
      { id: "joins", url: "https://a.example/j", types: ["participant.joined"] },
      { id: "tencent", url: "https://a.example/t", providers: ["tencent-meeting"] },
      { id: "huawei", url: "https://a.example/h", providers: ["huawei-meeting"] },
      { id: "off", url: "https://a.example/off", enabled: false },
    ]);
    const { acked, retried } = await consume([event("e1"), event("e2", { type: "participant.joined" })]);
    expect(acked.sort()).toEqual(["m0", "m1"]);
    expect(retried).toEqual([]);
    expect(intercept.delivered.map((d) => `${d.headers.get("webhook-id")}→${d.url}`).sort()).toEqual([
      "e1→https://a.example/m",
      "e1→https://a.example/t",
      "e2→https://a.example/j",
      "e2→https://a.example/t",
    ]);
  });

  it("drops a repeat inside one batch and a repeat already remembered in KV", async () => {
    await useTargets([{ id: "all", url: "https://a.example/all" }]);
    const first = await consume([event("e1"), event("e1")]);
    expect(first.acked.sort()).toEqual(["m0", "m1"]);
    expect(intercept.delivered).toHaveLength(1);
    expect(await env.RELAY_STATE.get("dedup:e1")).toBe("1");

    const again = await consume([event("e1")]);
    expect(again.acked).toEqual(["m0"]);
    expect(intercept.delivered).toHaveLength(1);
  });

  it("queues a retry for the failed target only; the target that succeeded is not sent again", async () => {
    await useTargets([
      { id: "up", url: "https://a.example/up" },
      { id: "down", url: "https://a.example/down" },
    ]);
    failing.add("https://a.example/down");
    const { acked, retried, queued } = await consume([event("e1")]);
    expect(acked).toEqual(["m0"]);
    expect(retried).toEqual([]);
    expect(queued).toEqual([
      { kind: "delivery", event: event("e1"), target: "down", attemptsBefore: 1, firstAttemptAt: expect.any(Number) },
    ]);
    expect(intercept.delivered.map((d) => d.url).sort()).toEqual(["https://a.example/down", "https://a.example/up"]);
  });

  it("acknowledges an event no target wants (logged as unrouted) and sends nothing", async () => {
    await useTargets([{ id: "huawei", url: "https://a.example/h", providers: ["huawei-meeting"] }]);
    const { acked, retried, queued } = await consume([event("e1")]);
    expect(acked).toEqual(["m0"]);
    expect(retried).toEqual([]);
    expect(queued).toEqual([]);
    expect(intercept.delivered).toEqual([]);
  });

  it("keeps every event waiting in the queue while the targets document is invalid", async () => {
    await useTargets('[{"id":"Bad Id","url":"ftp://x"}]');
    const { acked, retried, queued } = await consume([event("e1"), event("e2")]);
    expect(acked).toEqual([]);
    expect(retried).toEqual([
      { id: "m0", delaySeconds: 30 },
      { id: "m1", delaySeconds: 30 },
    ]);
    expect(queued).toEqual([]);
    expect(intercept.delivered).toEqual([]);
    expect(await env.RELAY_STATE.get("dedup:e1")).toBeNull();
  });

  it("keeps events waiting while the targets document is not JSON", async () => {
    await useTargets("[{");
    const { acked, retried } = await consume([event("e1")]);
    expect(acked).toEqual([]);
    expect(retried).toEqual([{ id: "m0", delaySeconds: 30 }]);
    expect(intercept.delivered).toEqual([]);
  });
});
