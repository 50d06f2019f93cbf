import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatTarget } from "../../src/config/targets-schema";
import type { DeliveryMessage, QueueMessage } from "../../src/queue/messages";
import { BOT_URLS } from "../support/chat-bots";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { loggedLines } from "../support/log";
import { consume as consumeBatch } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { deadLetters } from "./pause-support";

/**
 * A throttled DingTalk robot is left alone for as long as DingTalk says it is blocked: 10 minutes
 * after "too fast" (410100, or 130101 as older robots answer), and the 5 minutes of DingTalk's IP
 * throttle, whose answer has no `errcode` at all (`{"status":1111,"wait":5,"punish":"deny",…}`).
 * Neither uses up the retry schedule, and neither pauses the target.
 * https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages,
 * https://open.dingtalk.com/document/development/how-to-process-api-throttling-on-the-dingtalk-server
 */

const limiter = {
  idFromName: (name: string) => name,
  get: () => ({ take: async () => ({ go: true }) }),
};
const consume = (queue: string, bodies: QueueMessage[]) =>
  consumeBatch(queue, bodies, { env: { CHAT_RATE_LIMITER: limiter } });
const DELIVERIES = "meeting-relay-deliveries";
const DINGTALK: ChatTarget = { id: "team-dingtalk", kind: "dingtalk", url: BOT_URLS.dingtalk };

const event = sampleEvent("tencent-meeting:seq-1:0", {
  type: "meeting.started",
  data: { meeting: { id: "m1", code: "530812452", subject: "周会：产品评审" }, raw: {} },
});
const pending = (attemptsBefore: number): DeliveryMessage => ({
  kind: "delivery",
  event,
  target: DINGTALK.id,
  attemptsBefore,
  firstAttemptAt: Date.now() - 60_000,
});

let outbound: ReturnType<typeof mockFetch>;
let answered: { status: number; body: string };

beforeEach(async () => {
  await reset();
  vi.spyOn(Math, "random").mockReturnValue(0);
  outbound = mockFetch(() => new Response(answered.body, { status: answered.status }));
  await useTargets([DINGTALK]);
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

async function throttled(body: unknown, status = 200) {
  answered = { status, body: JSON.stringify(body) };
  const { result: run, lines } = await loggedLines(() => consume(DELIVERIES, [pending(3)]));
  expect(run).toMatchObject({ acked: ["m0"], retried: [] });
  expect(await env.RELAY_STATE.get(`paused:${DINGTALK.id}`)).toBeNull();
  expect(await deadLetters(DINGTALK.id)).toEqual([]);
  return { run, lines };
}

describe("dingtalk: a throttled robot waits out its block", () => {
  it.each([
    [410100, "发送速度太快而限流，请降低发送速度"],
    [130101, "send too fast, exceed 20 times per minute"],
  ])("%i (%s): tried again in 10 minutes, the schedule untouched", async (errcode, errmsg) => {
    const { run, lines } = await throttled({ errcode, errmsg });
    expect(run.deliveries).toEqual([
      { body: expect.objectContaining({ target: DINGTALK.id, attemptsBefore: 3 }), delaySeconds: 600 },
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        outcome: "rate-limited",
        reason: `dingtalk code ${errcode} (HTTP 200): ${errmsg}; not counted as an attempt`,
        retryInSeconds: 600,
      }),
    );
  });

  it("the IP throttle's answer (no errcode: status 1111, punish deny, wait 5) waits its 5 minutes, not counted", async () => {
    const { run, lines } = await throttled({
      status: 1111,
      wait: 5,
      source: "x5",
      punish: "deny",
      uuid: "9ff0e7e2346aabb5a8bcbb7c93c71636",
    });
    expect(run.deliveries).toEqual([
      { body: expect.objectContaining({ target: DINGTALK.id, attemptsBefore: 3 }), delaySeconds: 300 },
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        outcome: "rate-limited",
        reason: "dingtalk code 1111 (HTTP 200): punish deny, wait 5 min; not counted as an attempt",
        retryInSeconds: 300,
      }),
    );
  });
});
