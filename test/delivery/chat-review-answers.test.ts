import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatTarget } from "../../src/config/targets-schema";
import type { RelayEvent } from "../../src/core/cloud-event";
import { sendToTarget } from "../../src/delivery/send";
import type { DeliveryMessage, QueueMessage } from "../../src/queue/messages";
import { answerBots, BOT_SECRETS, BOT_TOKENS, BOT_URLS, fakeDingtalk, fakeSlack } from "../support/chat-bots";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { loggedLines } from "../support/log";
import { consume as consumeBatch } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { deadLetters } from "./pause-support";

/**
 * What a chat bot's answer means, for the answers each platform documents beyond the ones the
 * fake bots give: DingTalk's current error table (410100 "too fast", 400101/400102/400106/400013
 * "this robot is gone"), Slack's 410 for an archived channel. And what a DingTalk robot is sent
 * when its URL already carries a signature, or its title is escaped past 64 characters.
 */

/** Every send may go at once: these tests are about answers, not send slots. */
const limiter = {
  idFromName: (name: string) => name,
  get: () => ({ take: async () => ({ go: true }) }),
};
const consume = (queue: string, bodies: QueueMessage[]) =>
  consumeBatch(queue, bodies, { env: { CHAT_RATE_LIMITER: limiter } });
const DELIVERIES = "meeting-relay-deliveries";

const DINGTALK: ChatTarget & { kind: "dingtalk" } = { id: "team-dingtalk", kind: "dingtalk", url: BOT_URLS.dingtalk };
const SLACK: ChatTarget = { id: "team-slack", kind: "slack", url: BOT_URLS.slack };

const event = sampleEvent("tencent-meeting:seq-1:0", {
  type: "meeting.started",
  data: { meeting: { id: "m1", code: "530812452", subject: "周会：产品评审" }, raw: {} },
});
const pending = (target: string, attemptsBefore = 3): DeliveryMessage => ({
  kind: "delivery",
  event,
  target,
  attemptsBefore,
  firstAttemptAt: Date.now() - 60_000,
});

let outbound: ReturnType<typeof mockFetch>;
let answered: { status: number; body: string };

beforeEach(async () => {
  await reset();
  vi.spyOn(Math, "random").mockReturnValue(0);
  outbound = mockFetch(() => new Response(answered.body, { status: answered.status }));
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

const json = (body: unknown) => ({ status: 200, body: JSON.stringify(body) });

describe("dingtalk: the robot's documented error codes", () => {
  beforeEach(() => useTargets([DINGTALK]));

  it("410100 (发送速度太快而限流) is a rate limit: tried again after its 10-minute block, the schedule untouched", async () => {
    answered = json({ errcode: 410100, errmsg: "发送速度太快而限流，请降低发送速度" });
    const { result: run, lines } = await loggedLines(() => consume(DELIVERIES, [pending(DINGTALK.id, 3)]));
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    expect(run.deliveries).toEqual([
      { body: expect.objectContaining({ target: DINGTALK.id, attemptsBefore: 3 }), delaySeconds: 600 },
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: "delivery",
        target: DINGTALK.id,
        outcome: "rate-limited",
        reason: "dingtalk code 410100 (HTTP 200): 发送速度太快而限流，请降低发送速度; not counted as an attempt",
      }),
    );
    expect(await env.RELAY_STATE.get(`paused:${DINGTALK.id}`)).toBeNull();
    expect(await deadLetters(DINGTALK.id)).toEqual([]);
  });

  it.each([
    [400101, "access_token不存在"],
    [400102, "机器人已停用"],
    [400106, "机器人不存在"],
    [400013, "群已被解散"],
    [300005, "token is not exist"],
  ])("%i (%s) pauses the target with the robot's answer, the delivery kept", async (errcode, errmsg) => {
    answered = json({ errcode, errmsg });
    const reason = `dingtalk code ${errcode} (HTTP 200): ${errmsg}`;
    const { result: run, lines } = await loggedLines(() => consume(DELIVERIES, [pending(DINGTALK.id, 3)]));
    expect(run).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });
    expect(await env.RELAY_STATE.get(`paused:${DINGTALK.id}`, "json")).toEqual({
      since: expect.any(String),
      by: "gone",
      reason,
    });
    expect(await deadLetters(DINGTALK.id)).toEqual([
      expect.objectContaining({ reason: "paused", attempts: 4, lastError: `${reason}: target paused`, event }),
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({ kind: "delivery", target: DINGTALK.id, outcome: "paused", reason }),
    );
  });

  it("-1 (system busy) stays an ordinary failure on the retry schedule", async () => {
    answered = json({ errcode: -1, errmsg: "系统繁忙" });
    const run = await consume(DELIVERIES, [pending(DINGTALK.id, 3)]);
    expect(run.deliveries).toEqual([{ body: expect.objectContaining({ attemptsBefore: 4 }), delaySeconds: 300 }]);
    expect(await env.RELAY_STATE.get(`paused:${DINGTALK.id}`)).toBeNull();
  });
});

describe("slack: an archived channel (410 channel_is_archived)", () => {
  it("pauses the target with Slack's answer as the reason, as any refusal does", async () => {
    await useTargets([SLACK]);
    answered = { status: 410, body: "channel_is_archived" };
    const run = await consume(DELIVERIES, [pending(SLACK.id, 0)]);
    expect(run).toMatchObject({ acked: ["m0"], deliveries: [] });
    expect(await env.RELAY_STATE.get(`paused:${SLACK.id}`, "json")).toEqual({
      since: expect.any(String),
      by: "gone",
      reason: "slack HTTP 410: channel_is_archived",
    });
    expect(await deadLetters(SLACK.id)).toEqual([
      expect.objectContaining({
        reason: "paused",
        lastStatus: 410,
        lastError: "slack HTTP 410: channel_is_archived: target paused",
      }),
    ]);
  });
});

describe("dingtalk: what the robot is sent", () => {
  const NOW = Date.parse("2026-11-21T10:00:00Z");

  async function sentTo(target: ChatTarget & { kind: "dingtalk" }, sent: RelayEvent) {
    outbound.restore();
    const bot = fakeDingtalk(target.secret, () => NOW);
    outbound = mockFetch(answerBots(bot, fakeSlack()));
    const result = await sendToTarget(target, sent.id, JSON.stringify(sent), NOW);
    return { result, bot, url: outbound.requests[0]?.url ?? "" };
  }

  it.each([
    ["a signature of its own already in the query", `${BOT_URLS.dingtalk}&timestamp=1700000000000&sign=c3RhbGU%3D`],
    ["a fragment", `${BOT_URLS.dingtalk}#team`],
  ])("a webhook URL with %s is signed once, in the query the robot reads", async (_, url) => {
    const { result, bot, url: sentUrl } = await sentTo({ ...DINGTALK, url, secret: BOT_SECRETS.dingtalk }, event);
    expect(bot.refusals).toEqual([]);
    expect(result).toMatchObject({ ok: true });
    const query = new URL(sentUrl).searchParams;
    expect(query.getAll("timestamp")).toEqual([String(NOW)]);
    expect(query.getAll("sign")).toHaveLength(1);
    expect(query.get("access_token")).toBe(BOT_TOKENS.dingtalk);
  });

  it("the title, the chat list's preview, is at most 64 characters as sent, escaping included", async () => {
    const subject = Array.from({ length: 40 }, (_, i) => `v${i}.x`).join("");
    const dotted = sampleEvent("tencent-meeting:seq-1:0", {
      type: "meeting.started",
      data: { meeting: { id: "m1", subject }, raw: {} },
    });
    const { result, bot } = await sentTo(DINGTALK, dotted);
    expect(result).toMatchObject({ ok: true });
    const { title, text } = (bot.received[0] as { markdown: { title: string; text: string } }).markdown;
    expect(title.length).toBeLessThanOrEqual(64);
    expect(title.endsWith("…")).toBe(true);
    // Still defused: no dot between two names without the zero-width space before it.
    expect(title).not.toMatch(/[a-z0-9]\.[a-z0-9]/i);
    expect(title.replace(/\u200b/g, "")).toBe(`${subject.slice(0, title.replace(/\u200b/g, "").length - 1)}…`);
    expect(text).toContain("v39");
  });
});

/**
 * A throttled DingTalk robot is left alone for as long as DingTalk says it is blocked: 10 minutes
 * after "too fast" (410100, or 130101 as older robots answer), and the 5 minutes of DingTalk's IP
 * throttle, whose answer has no `errcode` at all (`{"status":1111,"wait":5,"punish":"deny",…}`).
 * Neither uses up the retry schedule, and neither pauses the target.
 * https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages,
 * https://open.dingtalk.com/document/development/how-to-process-api-throttling-on-the-dingtalk-server
 */
async function throttled(body: unknown, status = 200) {
  answered = { status, body: JSON.stringify(body) };
  const { result: run, lines } = await loggedLines(() => consume(DELIVERIES, [pending(DINGTALK.id, 3)]));
  expect(run).toMatchObject({ acked: ["m0"], retried: [] });
  expect(await env.RELAY_STATE.get(`paused:${DINGTALK.id}`)).toBeNull();
  expect(await deadLetters(DINGTALK.id)).toEqual([]);
  return { run, lines };
}

describe("dingtalk: a throttled robot waits out its block", () => {
  beforeEach(() => useTargets([DINGTALK]));

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

  it("a wait of a fraction of a minute (1.01) waits whole seconds, rounded up: Queues takes no fraction", async () => {
    const { run } = await throttled({ status: 1111, wait: 1.01, punish: "deny" });
    expect(run.deliveries).toEqual([
      { body: expect.objectContaining({ target: DINGTALK.id, attemptsBefore: 3 }), delaySeconds: 61 },
    ]);
  });
});
