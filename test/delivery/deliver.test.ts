import { reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import { deadLetterId } from "../../src/delivery/dead-letters";
import type { DeliveryMessage } from "../../src/queue/messages";
import { useTargets } from "../support/targets";
import { consume, hang, loggedLines, mockFetch, sampleEvent } from "./support";

const DELIVERIES = "meeting-relay-deliveries";
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const CRM: Target = { id: "crm", url: "https://crm.example.com/hooks", secret: SECRET, timeoutMs: 200 };
const FIRST_ATTEMPT_AT = Date.parse("2026-11-21T10:00:00Z");

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
});

describe("deliveries queue: one (event, target) pair per message", () => {
  it.each([200, 201, 202, 204, 299])("acknowledges HTTP %i as delivered", async (status) => {
    answer = () => new Response(status === 204 ? null : "thanks", { status });
    const run = await consume(DELIVERIES, [pending()]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });
    expect(outbound.requests).toHaveLength(1);
  });

  // Queues' attempts = 1 on the first retry: the relay's attempt 2, so the delay is RETRY_SCHEDULE[1] (30 s).
  it.each([
    ["HTTP 500", () => new Response("boom", { status: 500 }), 500],
    ["HTTP 503", () => new Response(null, { status: 503 }), 503],
    ["HTTP 404", () => new Response(null, { status: 404 }), 404],
    ["HTTP 400", () => new Response(null, { status: 400 }), 400],
    ["redirect (HTTP 302) not followed", () => Response.redirect("https://crm.example.com/moved", 302), 302],
    ["redirect (HTTP 301) not followed", () => Response.redirect("https://crm.example.com/moved", 301), 301],
    ["network error: connection refused", () => Promise.reject(new TypeError("connection refused")), null],
    ["no answer within 200 ms", hang, null],
  ] as const)("retries after %s with the schedule's delay", async (reason, reply, status) => {
    answer = reply;
    const { result: run, lines } = await loggedLines(() => consume(DELIVERIES, [pending()]));
    expect(run.acked).toEqual([]);
    expect(run.retried).toEqual([{ msgId: "m0", delaySeconds: 30 }]);
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
  });

  it("never follows a redirect", async () => {
    answer = () => Response.redirect("https://elsewhere.example.com/", 307);
    await consume(DELIVERIES, [pending()]);
    expect(outbound.requests.map((r) => r.url)).toEqual(["https://crm.example.com/hooks"]);
  });

  it("walks the default schedule: 10, 30, 60 … 43200 s between attempts", async () => {
    answer = () => new Response(null, { status: 500 });
    const schedule = [10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200];
    const replay = await consume(DELIVERIES, [pending({ attemptsBefore: 0 })]);
    expect(replay.retried).toEqual([{ msgId: "m0", delaySeconds: schedule[0] }]);
    for (let attempts = 1; attempts <= 10; attempts++) {
      const run = await consume(DELIVERIES, [pending()], { attempts });
      expect(run.retried).toEqual([{ msgId: "m0", delaySeconds: schedule[attempts] }]);
    }
  });

  it("follows RETRY_SCHEDULE when set, and buries the pair when it is used up", async () => {
    answer = () => new Response(null, { status: 502 });
    const vars = { env: { RETRY_SCHEDULE: "1,2,3" } };
    expect((await consume(DELIVERIES, [pending()], { ...vars, attempts: 1 })).retried).toEqual([
      { msgId: "m0", delaySeconds: 2 },
    ]);
    expect((await consume(DELIVERIES, [pending()], { ...vars, attempts: 2 })).retried).toEqual([
      { msgId: "m0", delaySeconds: 3 },
    ]);
    const { result: last, lines } = await loggedLines(() => consume(DELIVERIES, [pending()], { ...vars, attempts: 3 }));
    expect(last).toMatchObject({ acked: ["m0"], retried: [] });

    const id = await deadLetterId("crm", "tencent-meeting:seq-1:0");
    const stored = await env.RELAY_STATE.get(`dead:${id}`, "json");
    expect(stored).toEqual({
      id,
      target: "crm",
      event: sampleEvent(),
      attempts: 4,
      lastStatus: 502,
      lastError: "HTTP 502",
      firstAttemptAt: "2026-11-21T10:00:00.000Z",
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
    const run = await consume(DELIVERIES, [pending()], { attempts: 11 });
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    const id = await deadLetterId("crm", "tencent-meeting:seq-1:0");
    expect(await env.RELAY_STATE.get(`dead:${id}`, "json")).toMatchObject({ attempts: 12, lastStatus: 500 });
  });

  it("records a timeout's and a network error's last status as null", async () => {
    answer = hang;
    await consume(DELIVERIES, [pending()], { env: { RETRY_SCHEDULE: "1" }, attempts: 1 });
    const id = await deadLetterId("crm", "tencent-meeting:seq-1:0");
    expect(await env.RELAY_STATE.get(`dead:${id}`, "json")).toMatchObject({
      attempts: 2,
      lastStatus: null,
      lastError: "no answer within 200 ms",
    });
  });

  it("sends the same webhook-id on every attempt, freshly signed", async () => {
    answer = () => new Response(null, { status: 500 });
    await consume(DELIVERIES, [pending()], { attempts: 1 });
    await consume(DELIVERIES, [pending()], { attempts: 2 });
    expect(outbound.requests).toHaveLength(2);
    for (const request of outbound.requests) {
      expect(request.headers.get("webhook-id")).toBe("tencent-meeting:seq-1:0");
      const verified = new Webhook(SECRET).verify(request.body, Object.fromEntries(request.headers));
      expect(verified).toEqual(sampleEvent());
    }
  });
});

describe("Retry-After", () => {
  it.each([
    ["120", 120],
    ["1", 1],
    ["0", 0],
    ["86400", 43_200],
    ["Sat, 01 Jan 2000 00:00:00 GMT", 0],
    ["soon", 30],
    ["1.5", 30],
  ])("Retry-After: %s → retried after %i s", async (header, delaySeconds) => {
    answer = () => new Response(null, { status: 429, headers: { "retry-after": header } });
    const run = await consume(DELIVERIES, [pending()]);
    expect(run.retried).toEqual([{ msgId: "m0", delaySeconds }]);
  });

  it("reads an HTTP-date", async () => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 600_000).toUTCString();
    answer = () => new Response(null, { status: 503, headers: { "retry-after": at } });
    const [retry] = (await consume(DELIVERIES, [pending()])).retried;
    expect(retry?.delaySeconds).toBeGreaterThanOrEqual(600);
    expect(retry?.delaySeconds).toBeLessThanOrEqual(601);
  });

  it("does not extend a schedule that is used up", async () => {
    answer = () => new Response(null, { status: 503, headers: { "retry-after": "60" } });
    const run = await consume(DELIVERIES, [pending()], { attempts: 11 });
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
  });
});

describe("pairs that cannot be delivered any more", () => {
  it.each([
    ["target is no longer configured", [{ id: "other", url: "https://other.example.com/" }]],
    ["target is disabled", [{ ...CRM, enabled: false }]],
  ] as const)("buries the pair at once when the %s", async (lastError, targets) => {
    await useTargets([...targets]);
    const run = await consume(DELIVERIES, [pending()], { attempts: 3 });
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    expect(outbound.requests).toEqual([]);
    const id = await deadLetterId("crm", "tencent-meeting:seq-1:0");
    expect(await env.RELAY_STATE.get(`dead:${id}`, "json")).toMatchObject({ attempts: 3, lastStatus: null, lastError });
  });

  it("retries after 30 s when the dead letter cannot be stored", async () => {
    answer = () => new Response(null, { status: 500 });
    const brokenState = { ...env.RELAY_STATE, put: () => Promise.reject(new Error("KV unavailable")) };
    const run = await consume(DELIVERIES, [pending()], { attempts: 11, env: { RELAY_STATE: brokenState } });
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
