import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { EventMessage } from "../../src/queue/messages";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";

let outbound: ReturnType<typeof mockFetch>;
beforeEach(async () => {
  await reset();
  vi.spyOn(Math, "random").mockReturnValue(0);
  outbound = mockFetch(
    (request) => new Response(null, { status: new URL(request.url).hostname.startsWith("ok") ? 204 : 503 }),
  );
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

describe("a KV write outage while a large event fans out to several targets", () => {
  it("requeues the fan-out before any attempt, so the target that takes it is sent it once", async () => {
    await useTargets([
      { id: "ok", url: "https://ok.example.com/in" },
      { id: "down1", url: "https://down1.example.com/in" },
      { id: "down2", url: "https://down2.example.com/in" },
      { id: "down3", url: "https://down3.example.com/in" },
    ]);
    // Three pairs of ~100 KB each (two failed, one handed on) are more than one sendBatch: they carry the event's stub from KV.
    const message: EventMessage = {
      kind: "event",
      event: sampleEvent("tencent-meeting:large:0", { data: { raw: { notes: "x".repeat(100_000) } } }),
      receivedAt: Date.now(),
    };
    const put = vi.spyOn(env.RELAY_STATE, "put").mockRejectedValue(new Error("KV PUT failed: 503"));
    const first = await consume("meeting-relay-events", [message]);
    expect(first).toMatchObject({ acked: [], retried: [{ msgId: "m0", delaySeconds: 10 }], deliveries: [] });
    expect(outbound.requests).toEqual([]);
    put.mockRestore();
    // Queues redelivers the fan-out once KV takes writes again.
    const second = await consume("meeting-relay-events", [message], { attempts: 2 });
    expect(second).toMatchObject({ acked: ["m0"], retried: [] });
    expect(second.deliveries.map((sent) => sent.body.kind === "delivery" && sent.body.target).sort()).toEqual([
      "down1",
      "down2",
      "down3",
    ]);
    // The fan-out attempts the first INLINE_TARGETS_PER_EVENT (3) itself and hands down3 on, undelayed.
    const hosts = outbound.requests.map((request) => new URL(request.url).hostname).sort();
    expect(hosts).toEqual(["down1.example.com", "down2.example.com", "ok.example.com"]);
  });
});

describe("a KV write outage when a target refuses for good", () => {
  it("hands the refused pairs to the retry consumer instead of running the fan-out again", async () => {
    outbound.restore();
    const statuses: Record<string, number> = { ok: 204, bad: 400, gone: 410 };
    outbound = mockFetch(
      (request) => new Response(null, { status: statuses[new URL(request.url).hostname.split(".")[0] ?? ""] ?? 500 }),
    );
    await useTargets(Object.keys(statuses).map((id) => ({ id, url: `https://${id}.example.com/in` })));
    const message: EventMessage = {
      kind: "event",
      event: sampleEvent("tencent-meeting:refused:0"),
      receivedAt: Date.now(),
    };
    vi.spyOn(env.RELAY_STATE, "put").mockRejectedValue(new Error("KV PUT failed: 503"));
    const run = await consume("meeting-relay-events", [message]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    expect(
      run.deliveries.map((sent) => sent.body.kind === "delivery" && [sent.body.target, sent.delaySeconds]),
    ).toEqual([
      ["bad", 10],
      ["gone", 10],
    ]);
    expect(outbound.requests.map((request) => new URL(request.url).hostname).sort()).toEqual([
      "bad.example.com",
      "gone.example.com",
      "ok.example.com",
    ]);
  });
});
