import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import { deadLetterId } from "../../src/delivery/dead-letters/store";
import type { DeliveryMessage } from "../../src/queue/messages";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { loggedLines } from "../support/log";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { base64Json, SEED_CALLBACK, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

const DELIVERIES = "meeting-relay-deliveries";
const CRM: Target = { id: "crm", url: "https://crm.example.com/hooks" };
const HOUR_MS = 3_600_000;

/** A pending delivery whose first attempt was `hoursAgo` hours ago, after `attemptsBefore` real attempts. */
function pending(attemptsBefore: number, hoursAgo: number): DeliveryMessage {
  return {
    kind: "delivery",
    event: sampleEvent(),
    target: "crm",
    attemptsBefore,
    firstAttemptAt: Date.now() - hoursAgo * HOUR_MS,
  };
}

let outbound: ReturnType<typeof mockFetch>;
beforeEach(async () => {
  await reset();
  await useTargets([CRM]);
  vi.spyOn(Math, "random").mockReturnValue(0);
  outbound = mockFetch(() => new Response(null, { status: 503, headers: { "retry-after": "43200" } }));
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

describe("no delivery outlives the queue's 4-day retention", () => {
  it("Retry-After: 43200 on every attempt ends in a dead letter within 72 h of the first attempt, not in an expired message", async () => {
    // The inline first attempt asked for 12 h; every attempt then comes a second late (batching).
    let message = pending(1, 0);
    let secondsSinceFirst = 0;
    for (let step = 0; step < 20; step++) {
      secondsSinceFirst += 43_201;
      message = { ...message, firstAttemptAt: Date.now() - secondsSinceFirst * 1000 };
      const run = await consume(DELIVERIES, [message]);
      expect(run.acked).toEqual(["m0"]);
      const [next] = run.deliveries;
      if (next === undefined) break;
      expect(next.delaySeconds).toBe(43_200);
      message = next.body as DeliveryMessage;
    }
    // Attempts at 0, 12, 24, 36, 48 and 60 h: the seventh would come just after 72 h.
    expect(outbound.requests).toHaveLength(5);
    expect(secondsSinceFirst).toBe(5 * 43_201);
    const id = await deadLetterId("crm", "tencent-meeting:seq-1:0");
    expect(await env.RELAY_STATE.get(`dead:${id}`, "json")).toMatchObject({
      attempts: 6,
      lastStatus: 503,
      lastError: "HTTP 503; not retried: the next attempt would come more than 72 h after the first",
    });
  });

  it("still retries when the next attempt lands inside 72 h", async () => {
    const run = await consume(DELIVERIES, [pending(5, 59.9)]);
    expect(run.deliveries).toEqual([
      { body: { ...pending(6, 59.9), firstAttemptAt: expect.any(Number) }, delaySeconds: 43_200 },
    ]);
  });

  it("buries a delivery whose next scheduled delay would cross 72 h, logging why", async () => {
    outbound.restore();
    outbound = mockFetch(() => new Response(null, { status: 500 }));
    const { result: run, lines } = await loggedLines(() => consume(DELIVERIES, [pending(3, 71.99)]));
    expect(run).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });
    expect(lines.filter((line) => line.kind === "delivery")).toEqual([
      expect.objectContaining({
        attempt: 4,
        outcome: "failed-final",
        reason: "HTTP 500; not retried: the next attempt would come more than 72 h after the first",
      }),
    ]);
    expect(lines).toContainEqual(expect.objectContaining({ kind: "dead-letter", outcome: "stored", attempts: 4 }));
  });
});

describe("RETRY_SCHEDULE must fit in 71 h", () => {
  // Six 12-hour delays: 72 h. (Jitter never takes a delay past 12 h, the most Queues can delay a message.)
  const TOO_LONG = "43200,43200,43200,43200,43200,43200";
  const MESSAGE =
    "RETRY_SCHEDULE adds up to 259200 s with jitter, more than 255600 s (71 h): a delivery is given at most 72 h, because Cloudflare Queues deletes a message after 4 days";

  it("answers callbacks 503 naming the var, and enqueues nothing", async () => {
    const { response, enqueued } = await callWorker(await tencentEventRequest(base64Json(SEED_CALLBACK)), {
      RETRY_SCHEDULE: TOO_LONG,
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: `the relay is misconfigured: ${MESSAGE}`,
      code: "relay_misconfigured",
    });
    expect(enqueued).toEqual([]);
  });

  it("keeps pending deliveries waiting, unsent, and logs the reason", async () => {
    const { result: run, lines } = await loggedLines(() =>
      consume(DELIVERIES, [pending(1, 0)], { env: { RETRY_SCHEDULE: TOO_LONG } }),
    );
    expect(run).toMatchObject({ acked: [], retried: [{ msgId: "m0", delaySeconds: 30 }], deliveries: [] });
    expect(outbound.requests).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ kind: "config-invalid", reason: MESSAGE }));
  });

  it("counts the jitter: 254,000 s of delays can take 257,799 s, and are refused", async () => {
    const { lines } = await loggedLines(() =>
      consume(DELIVERIES, [pending(1, 0)], { env: { RETRY_SCHEDULE: "43200,43200,43200,43200,43200,38000" } }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: "config-invalid",
        reason: expect.stringMatching(/^RETRY_SCHEDULE adds up to 257799 s with jitter, more than 255600 s/),
      }),
    );
  });

  it("accepts a schedule that fits: five 12-hour delays and one of 32,000 s", async () => {
    const run = await consume(DELIVERIES, [pending(1, 0)], {
      env: { RETRY_SCHEDULE: "43200,43200,43200,43200,43200,32000" },
    });
    expect(run.deliveries.map((sent) => sent.delaySeconds)).toEqual([43_200]);
  });
});
