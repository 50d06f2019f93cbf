/**
 * One whiteboard Sign authenticates any body until its ExpireTime, so the relay refuses an
 * ExpireTime more than 7 days ahead and keeps each event's dedup marker until that time at least:
 * an exact replay inside the signature's lifetime is never delivered twice.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { mockFetch } from "../support/fetch";
import { consume, envWith, recordQueue } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { whiteboardEvent, whiteboardRequest } from "../support/tencent-whiteboard";
import { callWorker } from "../support/worker";

const DAY = 86_400;
const FINISHED = whiteboardEvent("TranscodeFinished", { TaskId: "task-expiry", ResultUrl: "https://x.test/a" });
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The seconds-since-epoch expiration KV holds for `dedup:<id>`, or undefined when there is no marker. */
async function markerExpiration(id: string): Promise<number | undefined> {
  const { keys } = await env.RELAY_STATE.list({ prefix: `dedup:${id}` });
  return keys.find((key) => key.name === `dedup:${id}`)?.expiration;
}

/** Ingest, then the fan-out of what ingest queued; returns the queued event's id. */
async function ingestAndFanOut(expireTime: number, overrides: Record<string, unknown> = {}): Promise<string> {
  // Called directly (not through callWorker, which reads back events only): the fan-out gets the very message.
  const recording = recordQueue(env.EVENTS_QUEUE);
  const ctx = createExecutionContext();
  const request = await whiteboardRequest(FINISHED, { expireTime });
  const response = await worker.fetch(request, envWith(overrides), ctx);
  await waitOnExecutionContext(ctx);
  recording.restore();
  expect(response.status).toBe(200);
  const sent = recording.sent.map(({ body }) => body);
  expect(sent).toHaveLength(1);
  const run = await consume("meeting-relay-events", sent, { env: overrides });
  expect(run.acked).toEqual(["m0"]);
  const [message] = sent;
  if (message?.kind !== "event") throw new Error("expected one event message");
  return message.event.id;
}

let outbound: ReturnType<typeof mockFetch>;
beforeEach(async () => {
  await reset();
  outbound = mockFetch(() => new Response(null, { status: 204 }));
  await useTargets([{ id: "all", url: "https://all.example.com/in" }]);
});
afterEach(() => outbound.restore());

describe("whiteboard ExpireTime bounds", () => {
  it("refuses an ExpireTime more than 7 days ahead with 401, queuing nothing", async () => {
    const request = await whiteboardRequest(FINISHED, { expireTime: nowSeconds() + 7 * DAY + 120 });
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "ExpireTime is more than 7 days ahead", code: "signature_invalid" });
    expect(enqueued).toEqual([]);
  });

  it("keeps the dedup marker until ExpireTime when that is later than DEDUP_TTL_SECONDS", async () => {
    const expireTime = nowSeconds() + 3 * DAY;
    const id = await ingestAndFanOut(expireTime);
    expect(outbound.requests).toHaveLength(1);
    const expiration = await markerExpiration(id);
    expect(expiration).toBeGreaterThanOrEqual(expireTime);
    expect(expiration).toBeLessThanOrEqual(expireTime + 60);
  });

  it("keeps it for DEDUP_TTL_SECONDS when ExpireTime comes sooner", async () => {
    const before = nowSeconds();
    const id = await ingestAndFanOut(before + 600, { DEDUP_TTL_SECONDS: String(2 * DAY) });
    const expiration = await markerExpiration(id);
    expect(expiration).toBeGreaterThanOrEqual(before + 2 * DAY);
    expect(expiration).toBeLessThanOrEqual(nowSeconds() + 2 * DAY + 1);
  });

  it("drops an exact replay inside the signature's lifetime: delivered once", async () => {
    const expireTime = nowSeconds() + 3 * DAY;
    await ingestAndFanOut(expireTime);
    await ingestAndFanOut(expireTime);
    expect(outbound.requests).toHaveLength(1);
  });
});
