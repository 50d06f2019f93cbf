import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatTarget, Target } from "../../src/config/targets-schema";
import { chatRateLimit } from "../../src/delivery/chat/chat-rate-limit";
import { INLINE_TARGETS_PER_EVENT } from "../../src/lib/limits";
import type { DeliveryMessage, EventMessage, QueueMessage } from "../../src/queue/messages";
import { TEST_BINDINGS } from "../support/bindings";
import {
  answerBots,
  BOT_SECRETS,
  BOT_TOKENS,
  BOT_URLS,
  type BotKind,
  type FakeBot,
  fakeDingtalk,
  fakeFeishu,
  fakeSlack,
  fakeWecom,
} from "../support/chat-bots";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { leakedSecrets } from "../support/hygiene";
import { loggedLines } from "../support/log";
import { consume as consumeBatch } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { callWorker } from "../support/worker";
import { deadLetters } from "./pause-support";

type Slot = { go: true } | { waitSeconds: number };
type SlotRequest = { id: string; limit: { perMinute?: number; perSecond?: number } };

/**
 * The rate limiter's Durable Object namespace, replaced: these tests are about what the relay does
 * with a slot (or without one), not how slots are handed out (test/delivery/chat-slots.test.ts).
 */
const slots = { next: { go: true } as Slot, asked: [] as SlotRequest[] };
const limiter = {
  idFromName: (name: string) => name,
  get: (id: string) => ({
    take: async (limit: SlotRequest["limit"]) => {
      slots.asked.push({ id, limit });
      return slots.next;
    },
  }),
};
const consume = (queue: string, bodies: QueueMessage[]) =>
  consumeBatch(queue, bodies, { env: { CHAT_RATE_LIMITER: limiter } });

const EVENTS = "meeting-relay-events";
const DELIVERIES = "meeting-relay-deliveries";
const KINDS: BotKind[] = ["feishu", "dingtalk", "wecom", "slack"];

const TARGETS: Record<BotKind, ChatTarget> = {
  feishu: { id: "team-feishu", kind: "feishu", url: BOT_URLS.feishu, secret: BOT_SECRETS.feishu },
  dingtalk: { id: "team-dingtalk", kind: "dingtalk", url: BOT_URLS.dingtalk, secret: BOT_SECRETS.dingtalk },
  wecom: { id: "team-wecom", kind: "wecom", url: BOT_URLS.wecom },
  slack: { id: "team-slack", kind: "slack", url: BOT_URLS.slack },
};

/** What each fake says when told to refuse, as the relay reports it. */
const REFUSALS: Record<BotKind, string> = {
  feishu: "feishu code 19024 (HTTP 200): Key Words Not Found",
  dingtalk: "dingtalk code 310000 (HTTP 200): keywords not in content",
  wecom: "wecom code 93000 (HTTP 200): invalid webhook url, hint: [1700000000_1_abc]",
  slack: "slack HTTP 404: no_service",
};

const event = sampleEvent("tencent-meeting:seq-1:0", {
  type: "meeting.started",
  data: { meeting: { id: "m1", code: "530812452", subject: "周会：产品评审" }, raw: {} },
});
const fresh = (): EventMessage => ({ kind: "event", event, receivedAt: Date.now() });
const pending = (target: string, attemptsBefore = 3): DeliveryMessage => ({
  kind: "delivery",
  event,
  target,
  attemptsBefore,
  firstAttemptAt: Date.now() - 60_000,
});

let bots: Record<BotKind, FakeBot>;
let outbound: ReturnType<typeof mockFetch>;

beforeEach(async () => {
  await reset();
  slots.next = { go: true };
  slots.asked = [];
  // No jitter: the schedule's delays exactly.
  vi.spyOn(Math, "random").mockReturnValue(0);
  bots = {
    feishu: fakeFeishu(BOT_SECRETS.feishu),
    dingtalk: fakeDingtalk(BOT_SECRETS.dingtalk),
    wecom: fakeWecom(),
    slack: fakeSlack(),
  };
  outbound = mockFetch(answerBots(...Object.values(bots)));
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

describe.each(KINDS)("%s target", (kind) => {
  const target = TARGETS[kind];
  beforeEach(() => useTargets([target]));

  it("gets a fresh event as one message through the fan-out, signed as its bot checks", async () => {
    const run = await consume(EVENTS, [fresh()]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });
    expect(bots[kind].refusals).toEqual([]);
    expect(bots[kind].received).toHaveLength(1);
    expect(JSON.stringify(bots[kind].received[0])).toContain("周会：产品评审");
    expect(slots.asked).toEqual([{ id: target.id, limit: chatRateLimit(target) }]);
  });

  it("gets a queued retry through the deliveries consumer", async () => {
    const run = await consume(DELIVERIES, [pending(target.id)]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });
    expect(bots[kind].received).toHaveLength(1);
  });

  it("answered 'too fast': tried again after at least 60 s (DingTalk: its 10-minute block), without using up the schedule", async () => {
    bots[kind].mode = "rate-limited";
    const delaySeconds = kind === "dingtalk" ? 600 : 60;
    const first = await consume(EVENTS, [fresh()]);
    expect(first.acked).toEqual(["m0"]);
    expect(first.deliveries).toEqual([
      { body: expect.objectContaining({ target: target.id, attemptsBefore: 0 }), delaySeconds },
    ]);
    const retry = await consume(DELIVERIES, [pending(target.id, 3)]);
    expect(retry.deliveries).toEqual([
      { body: expect.objectContaining({ target: target.id, attemptsBefore: 3 }), delaySeconds },
    ]);
    expect(await env.RELAY_STATE.get(`paused:${target.id}`)).toBeNull();
    expect(await deadLetters(target.id)).toEqual([]);
  });

  it("refused for good: the target is paused with the bot's code and message, the delivery kept", async () => {
    bots[kind].mode = "refused";
    const { result: run, lines } = await loggedLines(() => consume(EVENTS, [fresh()]));
    expect(run).toMatchObject({ acked: ["m0"], retried: [], deliveries: [] });
    expect(await env.RELAY_STATE.get(`paused:${target.id}`, "json")).toEqual({
      since: expect.any(String),
      by: "gone",
      reason: REFUSALS[kind],
    });
    expect(await deadLetters(target.id)).toEqual([
      expect.objectContaining({
        reason: "paused",
        attempts: 1,
        lastStatus: kind === "slack" ? 404 : 200,
        lastError: `${REFUSALS[kind]}: target paused`,
        event,
      }),
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({ kind: "delivery", target: target.id, outcome: "paused", reason: REFUSALS[kind] }),
    );
    // Paused: the next event is kept for the resume, not sent.
    bots[kind].mode = "ok";
    await consume(EVENTS, [{ ...fresh(), event: { ...event, id: "tencent-meeting:seq-2:0" } }]);
    expect(bots[kind].received).toHaveLength(1);
  });

  it("answered with a server error: the normal retry schedule", async () => {
    bots[kind].mode = "server-error";
    const first = await consume(EVENTS, [fresh()]);
    expect(first.deliveries).toEqual([
      { body: expect.objectContaining({ target: target.id, attemptsBefore: 1 }), delaySeconds: 10 },
    ]);
    const retry = await consume(DELIVERIES, [pending(target.id, 3)]);
    expect(retry.deliveries).toEqual([
      { body: expect.objectContaining({ target: target.id, attemptsBefore: 4 }), delaySeconds: 300 },
    ]);
    expect(await env.RELAY_STATE.get(`paused:${target.id}`)).toBeNull();
  });

  it("without a send slot: waits in the queue for it, and that is no attempt", async () => {
    slots.next = { waitSeconds: 42.3 };
    const first = await consume(EVENTS, [fresh()]);
    expect(first.deliveries).toEqual([
      { body: expect.objectContaining({ target: target.id, attemptsBefore: 0 }), delaySeconds: 43 },
    ]);
    const retry = await consume(DELIVERIES, [pending(target.id, 3)]);
    expect(retry.deliveries).toEqual([
      { body: expect.objectContaining({ target: target.id, attemptsBefore: 3 }), delaySeconds: 43 },
    ]);
    expect(outbound.requests).toEqual([]);
  });
});

describe("a bot that asks for a longer pause", () => {
  it("is left alone for its Retry-After when that is longer than a minute, still not counted", async () => {
    await useTargets([TARGETS.slack]);
    outbound.restore();
    outbound = mockFetch(() => new Response("rate_limited", { status: 429, headers: { "retry-after": "600" } }));
    const run = await consume(DELIVERIES, [pending(TARGETS.slack.id, 5)]);
    expect(run.deliveries).toEqual([{ body: expect.objectContaining({ attemptsBefore: 5 }), delaySeconds: 600 }]);
  });

  it("becomes a dead letter when even that would fall outside the delivery window", async () => {
    await useTargets([TARGETS.wecom]);
    bots.wecom.mode = "rate-limited";
    const old = { ...pending(TARGETS.wecom.id, 5), firstAttemptAt: Date.now() - 72 * 3600_000 + 30_000 };
    const run = await consume(DELIVERIES, [old]);
    expect(run).toMatchObject({ acked: ["m0"], deliveries: [] });
    expect(await deadLetters(TARGETS.wecom.id)).toEqual([
      expect.objectContaining({
        reason: "failed",
        attempts: 6,
        lastError: expect.stringMatching(/^wecom code 45009 \(HTTP 200\): api freq out of limit; not retried/),
      }),
    ]);
  });
});

describe("signatures the bots refuse", () => {
  it.each([
    ["feishu", "feishu code 19021 (HTTP 200): sign match fail or timestamp is not within one hour from current time"],
    ["dingtalk", "dingtalk code 310000 (HTTP 200): sign not match"],
  ] as const)("%s with the wrong secret: paused with the bot's answer as the reason", async (kind, reason) => {
    await useTargets([{ ...TARGETS[kind], secret: "not-the-bots-secret" } as ChatTarget]);
    const run = await consume(EVENTS, [fresh()]);
    expect(run.deliveries).toEqual([]);
    expect(bots[kind].refusals).toEqual(["signature mismatch"]);
    expect(await env.RELAY_STATE.get(`paused:${TARGETS[kind].id}`, "json")).toMatchObject({ by: "gone", reason });
    const { response } = await callWorker(
      new Request("https://relay.example.com/admin/targets/paused", {
        headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` },
      }),
    );
    expect(await response.json()).toEqual({
      paused: [{ target: TARGETS[kind].id, since: expect.any(String), by: "gone", reason }],
      cursor: null,
    });
  });
});

describe("a chat target's URL and secret stay secret", () => {
  const secrets = [...Object.values(BOT_TOKENS), ...Object.values(BOT_SECRETS)];

  it("logs and errors show the bot's host, never its token, even when the network error quotes the URL", async () => {
    outbound.restore();
    outbound = mockFetch((request) => Promise.reject(new TypeError(`connect ECONNREFUSED for ${request.url}`)));
    await useTargets(Object.values(TARGETS));
    const { result: run, lines } = await loggedLines(async () => {
      const fanned = await consume(EVENTS, [fresh()]);
      // Past the targets a fan-out attempts itself, the first attempt is the retry consumer's, undelayed.
      const handedOn = fanned.deliveries.filter((sent) => sent.delaySeconds === undefined).map((sent) => sent.body);
      expect(handedOn).toHaveLength(KINDS.length - INLINE_TARGETS_PER_EVENT);
      await consume(DELIVERIES, handedOn);
      return fanned;
    });
    expect(run.deliveries).toHaveLength(4);
    const delivery = lines.filter((line) => line.kind === "delivery");
    expect(delivery.map((line) => line.reason).sort()).toEqual([
      "network error: connect ECONNREFUSED for https://hooks.slack.com/…",
      "network error: connect ECONNREFUSED for https://oapi.dingtalk.com/…",
      "network error: connect ECONNREFUSED for https://open.feishu.cn/…",
      "network error: connect ECONNREFUSED for https://qyapi.weixin.qq.com/…",
    ]);
    expect(leakedSecrets(JSON.stringify(lines), secrets)).toEqual([]);
  });

  it("a refusal's log line, dead letter and pause name the bot's answer, never the token", async () => {
    await useTargets(Object.values(TARGETS));
    for (const bot of Object.values(bots)) bot.mode = "refused";
    const { lines } = await loggedLines(() => consume(EVENTS, [fresh()]));
    const stored = await Promise.all(
      Object.values(TARGETS).map(async (target: Target) => [
        await env.RELAY_STATE.get(`paused:${target.id}`),
        JSON.stringify(await deadLetters(target.id)),
      ]),
    );
    expect(leakedSecrets(JSON.stringify([lines, stored]), secrets)).toEqual([]);
  });
});
