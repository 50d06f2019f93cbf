import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";

let outbound: ReturnType<typeof mockFetch>;
beforeEach(async () => {
  await reset();
  vi.spyOn(Math, "random").mockReturnValue(0);
  outbound = mockFetch(() => new Response(null, { status: 410 }));
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

const GONE = { id: "gone", url: "https://gone.example.com/in" };

async function keptLetters(): Promise<number> {
  return (await env.RELAY_STATE.list({ prefix: "dead:gone." })).keys.length;
}

describe("two deliveries of one batch to a target that answers 410", () => {
  it("retries: the target is paused with one write, and both deliveries are kept for its resume", async () => {
    await useTargets([GONE]);
    const pending = (id: string): DeliveryMessage => ({
      kind: "delivery",
      event: sampleEvent(id),
      target: "gone",
      attemptsBefore: 1,
      firstAttemptAt: Date.now() - 60_000,
    });
    const put = vi.spyOn(env.RELAY_STATE, "put");
    const run = await consume("meeting-relay-deliveries", [
      pending("tencent-meeting:a:0"),
      pending("tencent-meeting:b:0"),
    ]);
    expect(run).toMatchObject({ acked: ["m0", "m1"], retried: [], deliveries: [] });
    expect(put.mock.calls.filter(([key]) => key === "paused:gone")).toHaveLength(1);
    expect(await keptLetters()).toBe(2);
  });

  it("fan-out: the same for two fresh events", async () => {
    await useTargets([GONE]);
    const fresh = (id: string): EventMessage => ({ kind: "event", event: sampleEvent(id), receivedAt: Date.now() });
    const run = await consume("meeting-relay-events", [fresh("tencent-meeting:a:0"), fresh("tencent-meeting:b:0")]);
    expect(run).toMatchObject({ acked: ["m0", "m1"], retried: [], deliveries: [] });
    expect(await keptLetters()).toBe(2);
  });
});
