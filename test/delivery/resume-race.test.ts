import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import type { Env } from "../../src/core/env";
import { deadLetterId } from "../../src/delivery/dead-letters/store";
import worker from "../../src/index";
import type { DeliveryMessage } from "../../src/queue/messages";
import { TEST_BINDINGS } from "../support/bindings";
import { mockFetch } from "../support/fetch";
import { aSecondPasses } from "../support/production/kv";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { CRM, DELIVERIES, deadLetters, EVENTS, event, fresh, pending } from "./pause-support";

/**
 * A resume that lands while a queue batch is busy must not strand what the batch keeps for the
 * target: the batch read the pause when it began, and its attempts to a slow target can take up
 * to 30 s before it keeps the paused target's deliveries.
 */
const SLOW: Target = { id: "slow", url: "https://slow.example.com/in" };
const DLQ = "meeting-relay-dlq";

let outbound: ReturnType<typeof mockFetch>;
/** Resolves when the slow target has been called; its answer waits for `release`. */
let slowCalled: Promise<void>;
let release: () => void;

beforeEach(async () => {
  await reset();
  await useTargets([CRM, SLOW]);
  let called: () => void = () => {};
  slowCalled = new Promise((resolve) => {
    called = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  outbound = mockFetch(async (request) => {
    if (request.url === SLOW.url) {
      called();
      await released;
    }
    return new Response(null, { status: 204 });
  });
  await pause("crm");
});

afterEach(() => {
  release();
  outbound.restore();
  vi.restoreAllMocks();
});

async function pause(target: string): Promise<void> {
  await env.RELAY_STATE.put(`paused:${target}`, JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
}

/** `POST /admin/targets/crm/resume`, straight to the worker: the batch under test records the queues. */
async function resumeCrm(): Promise<{ status: number; body: unknown }> {
  const request = new Request("http://relay.test/admin/targets/crm/resume", {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` },
  });
  const response = await worker.fetch(request, env as Env, {} as ExecutionContext);
  return { status: response.status, body: await response.json() };
}

/** A resume that lifts the pause just before the letter is written: it listed nothing to replay. */
function resumeWhileKeeping(): void {
  const put = env.RELAY_STATE.put.bind(env.RELAY_STATE);
  vi.spyOn(env.RELAY_STATE, "put").mockImplementation(async (key, value, options) => {
    if (key.startsWith("dead:crm.")) await env.RELAY_STATE.delete("paused:crm");
    return put(key, value, options);
  });
}

const sentTo = (target: Target) => outbound.requests.filter((request) => request.url === target.url);

describe("a resume while the fan-out waits for a slow target", () => {
  it("sends the delivery it would have kept for the resumed target, and keeps no paused letter", async () => {
    const running = consume(EVENTS, [fresh(1)]);
    await slowCalled;
    const resumed = await resumeCrm();
    release();
    const run = await running;
    // The resume found nothing kept yet: before this fix, the batch then kept the delivery for good.
    expect(resumed).toEqual({ status: 202, body: { target: "crm", paused: false, replayed: 0, remaining: false } });
    expect(run.acked).toEqual(["m0"]);
    expect(run.deliveries.map((sent) => sent.body)).toEqual([
      { kind: "delivery", event: event(1), target: "crm", attemptsBefore: 0, firstAttemptAt: expect.any(Number) },
    ]);
    expect(await deadLetters("crm")).toEqual([]);
    expect(sentTo(SLOW)).toHaveLength(1);
  });

  it("replays a letter kept just as the resume lifted the pause, and its record goes once the replay is taken up", async () => {
    release();
    resumeWhileKeeping();
    const run = await consume(EVENTS, [fresh(1)]);
    expect(run.acked).toEqual(["m0"]);
    const id = await deadLetterId("crm", event(1).id);
    expect(run.deliveries.map((sent) => sent.body)).toEqual([
      {
        kind: "delivery",
        event: event(1),
        target: "crm",
        attemptsBefore: 0,
        firstAttemptAt: expect.any(Number),
        keptAs: id,
      },
    ]);
    aSecondPasses();
    const replay = await consume(
      DELIVERIES,
      run.deliveries.map((sent) => sent.body),
    );
    expect(replay.acked).toEqual(["m0"]);
    expect(sentTo(CRM).map((request) => request.headers.get("webhook-id"))).toEqual([event(1).id]);
    expect(await deadLetters("crm")).toEqual([]);
  });
});

describe("a resume while the retry consumer holds a delivery", () => {
  it("attempts a delivery whose target was resumed after the batch read the pause", async () => {
    const get = env.RELAY_STATE.get.bind(env.RELAY_STATE) as (...args: unknown[]) => Promise<unknown>;
    let reads = 0;
    vi.spyOn(env.RELAY_STATE, "get").mockImplementation((async (...args: unknown[]) => {
      const value = await get(...args);
      // The resume lands right after the batch's one read of the pause state.
      if (Array.isArray(args[0]) && args[0].includes("paused:crm") && ++reads === 1) {
        await env.RELAY_STATE.delete("paused:crm");
      }
      return value;
    }) as typeof env.RELAY_STATE.get);
    const run = await consume(DELIVERIES, [pending(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(sentTo(CRM).map((request) => request.headers.get("webhook-id"))).toEqual([event(1).id]);
    expect(await deadLetters("crm")).toEqual([]);
  });

  it("replays a letter kept just as the resume lifted the pause", async () => {
    resumeWhileKeeping();
    const run = await consume(DELIVERIES, [pending(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.deliveries.map((sent) => (sent.body as DeliveryMessage).keptAs)).toEqual([
      await deadLetterId("crm", event(1).id),
    ]);
    aSecondPasses();
    await consume(
      DELIVERIES,
      run.deliveries.map((sent) => sent.body),
    );
    expect(sentTo(CRM)).toHaveLength(1);
    expect(await deadLetters("crm")).toEqual([]);
  });

  it("keeps a replayed delivery again, in the same record, when its target was paused once more", async () => {
    resumeWhileKeeping();
    const run = await consume(DELIVERIES, [pending(1)]);
    vi.restoreAllMocks();
    outbound = mockFetch(() => new Response(null, { status: 204 }));
    aSecondPasses();
    await pause("crm");
    const again = await consume(
      DELIVERIES,
      run.deliveries.map((sent) => sent.body),
    );
    expect(again.acked).toEqual(["m0"]);
    expect(again.deliveries).toEqual([]);
    expect(outbound.requests).toEqual([]);
    expect(await deadLetters("crm")).toEqual([expect.objectContaining({ reason: "paused", event: event(1) })]);
  });

  it("removes the record of a replayed delivery that failed again, and retries it without the record's id", async () => {
    resumeWhileKeeping();
    const run = await consume(DELIVERIES, [pending(1)]);
    vi.restoreAllMocks();
    outbound = mockFetch(() => new Response(null, { status: 503 }));
    aSecondPasses();
    const again = await consume(
      DELIVERIES,
      run.deliveries.map((sent) => sent.body),
    );
    expect(again.acked).toEqual(["m0"]);
    expect(again.deliveries.map((sent) => sent.body)).toEqual([
      { kind: "delivery", event: event(1), target: "crm", attemptsBefore: 1, firstAttemptAt: expect.any(Number) },
    ]);
    expect(await deadLetters("crm")).toEqual([]);
  });
});

describe("a resume while the dead-letter queue keeps a delivery", () => {
  it("replays the letter it kept just as the resume lifted the pause", async () => {
    resumeWhileKeeping();
    const run = await consume(DLQ, [pending(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.deliveries.map((sent) => (sent.body as DeliveryMessage).keptAs)).toEqual([
      await deadLetterId("crm", event(1).id),
    ]);
  });
});
