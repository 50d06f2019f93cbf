import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import { deadLetterId } from "../../src/delivery/dead-letters/store";
import type { DeliveryMessage } from "../../src/queue/messages";
import { sampleEvent } from "../support/events";
import { hang, mockFetch } from "../support/fetch";
import { loggedLines } from "../support/log";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";

const DELIVERIES = "meeting-relay-deliveries";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const CRM: Target = { id: "crm", url: "https://crm.example.com/hooks", secret: SECRET, timeoutMs: 200 };
/** A minute ago: well inside the 72 h a delivery may take (test/delivery/retention.test.ts). */
const FIRST_ATTEMPT_AT = Date.now() - 60_000;

/** A retry after the inline first attempt (attemptsBefore 1), as fan-out queues it. */
function pending(overrides: Partial<DeliveryMessage> = {}): DeliveryMessage {
  return {
    kind: "delivery",
    event: sampleEvent(),
    target: "crm",
    attemptsBefore: 1,
    firstAttemptAt: FIRST_ATTEMPT_AT,
    ...overrides,
  };
}

let answer: (request: Request) => Response | Promise<Response>;
let outbound: ReturnType<typeof mockFetch>;

beforeEach(async () => {
  await reset();
  await useTargets([CRM]);
  // No jitter: exact delays (jitter is covered in retry.test.ts).
  vi.spyOn(Math, "random").mockReturnValue(0);
  answer = () => new Response(null, { status: 204 });
  outbound = mockFetch((request) => answer(request));
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("deliveries queue: one (event, target) pair per message", () => {
  it.each([200, 201, 202, 204, 299])("acknowledges HTTP %i as delivered", async (status) => {
    answer = () => new Response(status === 204 ? null : "thanks", { status });
    const run = await consume(DELIVERIES, [pending()]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });
    expect(outbound.requests).toHaveLength(1);
  });

  // After the inline first attempt: the relay's attempt 2, so the delay is RETRY_SCHEDULE[1] (30 s).
  it.each([
    ["HTTP 500", () => new Response("boom", { status: 500 }), 500],
    ["HTTP 503", () => new Response(null, { status: 503 }), 503],
    ["HTTP 404", () => new Response(null, { status: 404 }), 404],
    ["HTTP 400", () => new Response(null, { status: 400 }), 400],
    ["redirect (HTTP 302) not followed", () => Response.redirect("https://crm.example.com/moved", 302), 302],
    ["redirect (HTTP 301) not followed", () => Response.redirect("https://crm.example.com/moved", 301), 301],
    ["network error: connection refused", () => Promise.reject(new TypeError("connection refused")), null],
    ["no answer within 200 ms", hang, null],
  ] as const)(
    "retries after %s with the schedule's delay, in a new message that carries the count",
    async (reason, reply, status) => {
      answer = reply;
      const { result: run, lines } = await loggedLines(() => consume(DELIVERIES, [pending()]));
      expect(run).toMatchObject({ acked: ["m0"], retried: [] });
      expect(run.deliveries).toEqual([{ body: pending({ attemptsBefore: 2 }), delaySeconds: 30 }]);
      expect(lines.filter((line) => line.kind === "delivery")).toEqual([
        expect.objectContaining({
          id: "tencent-meeting:seq-1:0",
          target: "crm",
          attempt: 2,
          outcome: "failed",
          status,
          reason,
          retryInSeconds: 30,
        }),
      ]);
    },
  );

  it("never follows a redirect", async () => {
    answer = () => Response.redirect("https://elsewhere.example.com/", 307);
    await consume(DELIVERIES, [pending()]);
    expect(outbound.requests.map((r) => r.url)).toEqual(["https://crm.example.com/hooks"]);
  });

  it("walks the default schedule: 10, 30, 60 … 43200 s between attempts", async () => {
    answer = () => new Response(null, { status: 500 });
    const schedule = [10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200];
    for (let attemptsBefore = 0; attemptsBefore <= 10; attemptsBefore++) {
      const run = await consume(DELIVERIES, [pending({ attemptsBefore })]);
      expect(run.deliveries).toEqual([
        { body: pending({ attemptsBefore: attemptsBefore + 1 }), delaySeconds: schedule[attemptsBefore] },
      ]);
    }
  });

  it("follows RETRY_SCHEDULE when set, and buries the pair when it is used up", async () => {
    answer = () => new Response(null, { status: 502 });
    const vars = { env: { RETRY_SCHEDULE: "1,2,3" } };
    const delays = async (attemptsBefore: number) =>
      (await consume(DELIVERIES, [pending({ attemptsBefore })], vars)).deliveries.map((sent) => sent.delaySeconds);
    expect(await delays(1)).toEqual([2]);
    expect(await delays(2)).toEqual([3]);
    const { result: last, lines } = await loggedLines(() =>
      consume(DELIVERIES, [pending({ attemptsBefore: 3 })], vars),
    );
    expect(last).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });

    const id = await deadLetterId("crm", "tencent-meeting:seq-1:0");
    const stored = await env.RELAY_STATE.get(`dead:${id}`, "json");
    expect(stored).toEqual({
      id,
      target: "crm",
      reason: "failed",
      event: sampleEvent(),
      attempts: 4,
      lastStatus: 502,
      lastError: "HTTP 502",
      firstAttemptAt: new Date(FIRST_ATTEMPT_AT).toISOString(),
      lastAttemptAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(lines.filter((line) => line.kind === "dead-letter")).toEqual([
      {
        kind: "dead-letter",
        id: "tencent-meeting:seq-1:0",
        provider: "tencent-meeting",
        target: "crm",
        deadLetter: id,
        outcome: "stored",
        attempts: 4,
        lastStatus: 502,
        reason: "HTTP 502",
      },
    ]);
  });

  it("buries a pair after the twelfth attempt of the default schedule", async () => {
    answer = () => new Response(null, { status: 500 });
    const run = await consume(DELIVERIES, [pending({ attemptsBefore: 11 })]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });
    const id = await deadLetterId("crm", "tencent-meeting:seq-1:0");
    expect(await env.RELAY_STATE.get(`dead:${id}`, "json")).toMatchObject({ attempts: 12, lastStatus: 500 });
  });

  it("records a timeout's and a network error's last status as null", async () => {
    answer = hang;
    await consume(DELIVERIES, [pending()], { env: { RETRY_SCHEDULE: "1" } });
    const id = await deadLetterId("crm", "tencent-meeting:seq-1:0");
    expect(await env.RELAY_STATE.get(`dead:${id}`, "json")).toMatchObject({
      attempts: 2,
      lastStatus: null,
      lastError: "no answer within 200 ms",
    });
  });

  it("sends the same webhook-id on every attempt, freshly signed for the attempt's own time", async () => {
    answer = () => new Response(null, { status: 500 });
    vi.useFakeTimers({ toFake: ["Date"] });
    const firstAt = Math.floor(Date.now() / 1000) * 1000;
    vi.setSystemTime(firstAt);
    const first = await consume(DELIVERIES, [pending({ attemptsBefore: 1 })]);
    const [retry] = first.deliveries;
    expect(retry?.delaySeconds).toBe(30);
    // The retry runs when Queues hands it back: the schedule's delay later.
    vi.setSystemTime(firstAt + 30_000);
    await consume(DELIVERIES, [retry?.body as DeliveryMessage]);

    const [earlier, later] = outbound.requests.map((request) => Object.fromEntries(request.headers));
    expect(outbound.requests).toHaveLength(2);
    expect(earlier?.["webhook-id"]).toBe("tencent-meeting:seq-1:0");
    expect(later?.["webhook-id"]).toBe("tencent-meeting:seq-1:0");
    expect(earlier?.["webhook-timestamp"]).toBe(String(firstAt / 1000));
    expect(later?.["webhook-timestamp"]).toBe(String(firstAt / 1000 + 30));
    const webhook = new Webhook(SECRET);
    for (const [index, request] of outbound.requests.entries()) {
      expect(webhook.verify(request.body, Object.fromEntries(request.headers)), `attempt ${index + 2}`).toEqual(
        sampleEvent(),
      );
    }
    // Each signature covers its own timestamp: the earlier one does not pass under the later time.
    const body = outbound.requests[0]?.body ?? "";
    expect(() => webhook.verify(body, { ...earlier, "webhook-timestamp": later?.["webhook-timestamp"] ?? "" })).toThrow(
      "No matching signature found",
    );
  });
});

describe("Retry-After lengthens a delay, never shortens it below the schedule's (30 s here)", () => {
  it.each([
    ["120", 120],
    ["31", 31],
    ["30", 30],
    ["29", 30],
    ["1", 30],
    ["0", 30],
    ["86400", 43_200],
    ["Sat, 01 Jan 2000 00:00:00 GMT", 30],
    ["soon", 30],
    ["1.5", 30],
  ])("Retry-After: %s → retried after %i s", async (header, delaySeconds) => {
    answer = () => new Response(null, { status: 429, headers: { "retry-after": header } });
    const run = await consume(DELIVERIES, [pending()]);
    expect(run.deliveries.map((sent) => sent.delaySeconds)).toEqual([delaySeconds]);
  });

  it("Retry-After: 0 on every answer still walks the whole schedule (about 28 h), not a few seconds", async () => {
    answer = () => new Response(null, { status: 503, headers: { "retry-after": "0" } });
    let message = pending({ attemptsBefore: 0 });
    const delays: (number | undefined)[] = [];
    for (;;) {
      const [next] = (await consume(DELIVERIES, [message])).deliveries;
      if (next === undefined) break;
      delays.push(next.delaySeconds);
      message = next.body as DeliveryMessage;
    }
    expect(delays).toEqual([10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200]);
  });

  it("reads an HTTP-date", async () => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 600_000).toUTCString();
    answer = () => new Response(null, { status: 503, headers: { "retry-after": at } });
    const [retry] = (await consume(DELIVERIES, [pending()])).deliveries;
    expect(retry?.delaySeconds).toBeGreaterThanOrEqual(600);
    expect(retry?.delaySeconds).toBeLessThanOrEqual(601);
  });

  it("does not extend a schedule that is used up", async () => {
    answer = () => new Response(null, { status: 503, headers: { "retry-after": "60" } });
    const run = await consume(DELIVERIES, [pending({ attemptsBefore: 11 })]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });
  });
});

describe("only real attempts count", () => {
  // Every retry forced by an invalid targets document or a KV outage (30 s apart) bumps Queues' own
  // count: thirteen of them are a six-minute outage, and must not use up the twelve attempts.
  it("ignores Queues' count of redeliveries: the attempt number comes from the message", async () => {
    answer = () => new Response(null, { status: 500 });
    const { result: run, lines } = await loggedLines(() => consume(DELIVERIES, [pending()], { attempts: 13 }));
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    expect(run.deliveries).toEqual([{ body: pending({ attemptsBefore: 2 }), delaySeconds: 30 }]);
    expect(lines.find((line) => line.kind === "delivery")).toMatchObject({ attempt: 2, outcome: "failed" });
    expect(await env.RELAY_STATE.list({ prefix: "dead:" })).toMatchObject({ keys: [] });
  });

  it("when the retry cannot be queued, the message itself comes back after the same delay", async () => {
    answer = () => new Response(null, { status: 500 });
    const run = await consume(DELIVERIES, [pending({ attemptsBefore: 4 })], {
      deliveriesFailWith: new Error("Queues unavailable"),
    });
    expect(run).toMatchObject({ acked: [], retried: [{ msgId: "m0", delaySeconds: 900 }], deliveries: [] });
  });
});

describe("pairs that cannot be delivered any more", () => {
  it.each([
    ["target is no longer configured", [{ id: "other", url: "https://other.example.com/" }]],
    ["target is disabled", [{ ...CRM, enabled: false }]],
  ] as const)("buries the pair at once when the %s", async (lastError, targets) => {
    await useTargets([...targets]);
    const run = await consume(DELIVERIES, [pending({ attemptsBefore: 3 })]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    expect(outbound.requests).toEqual([]);
    const id = await deadLetterId("crm", "tencent-meeting:seq-1:0");
    expect(await env.RELAY_STATE.get(`dead:${id}`, "json")).toMatchObject({ attempts: 3, lastStatus: null, lastError });
  });

  it("retries after 30 s when the dead letter cannot be stored", async () => {
    answer = () => new Response(null, { status: 500 });
    vi.spyOn(env.RELAY_STATE, "put").mockRejectedValue(new Error("KV unavailable"));
    const run = await consume(DELIVERIES, [pending({ attemptsBefore: 11 })]);
    expect(run).toMatchObject({ acked: [], retried: [{ msgId: "m0", delaySeconds: 30 }] });
  });

  it("keeps deliveries waiting 30 s while the targets document is invalid", async () => {
    await useTargets('[{"id":"crm"}]');
    const run = await consume(DELIVERIES, [pending(), pending({ target: "other" })]);
    expect(run).toMatchObject({
      acked: [],
      retried: [
        { msgId: "m0", delaySeconds: 30 },
        { msgId: "m1", delaySeconds: 30 },
      ],
    });
    expect(outbound.requests).toEqual([]);
  });
});

describe("dead letters keep the whole event", () => {
  // An event too large for a queue message travels as a stub; its whole form waits in KV for 30 days.
  const whole = sampleEvent("tencent-meeting:big:0", {
    data: { meeting: { id: "6058890385480921052" }, raw: { attachments: "会".repeat(50_000) } },
  });
  const stub = sampleEvent("tencent-meeting:big:0", {
    data: { meeting: { id: "6058890385480921052" }, raw: null, spilled: "spill:big" },
  });

  it("stores the event put back together, so the dead letter never depends on a key that expires", async () => {
    await env.RELAY_STATE.put("spill:big", JSON.stringify(whole));
    answer = () => new Response(null, { status: 500 });
    await consume(DELIVERIES, [pending({ event: stub, attemptsBefore: 11 })]);
    const id = await deadLetterId("crm", whole.id);
    expect(await env.RELAY_STATE.get(`dead:${id}`, "json")).toMatchObject({ event: whole, attempts: 12 });
  });

  it("retries a stub whose payload KV does not show yet, sending nothing (another location may see it a minute later)", async () => {
    const run = await consume(DELIVERIES, [pending({ event: stub })]);
    expect(run).toMatchObject({ acked: [], retried: [{ msgId: "m0", delaySeconds: 30 }], deliveries: [] });
    expect(outbound.requests).toEqual([]);
  });
});
