import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import type { DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { answerBots, BOT_TARGETS, fakeSlack } from "../support/chat-bots";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";

// Workers gives one invocation six open connections; a seventh fetch waits, unsent, with its timeout
// already running (the fetch double does the same). A batch with more attempts than that, to targets
// that take most of their timeout to answer, must not fail the later ones unsent: each attempt's
// timeout starts when it is sent.

const EVENTS = "meeting-relay-events";
const DELIVERIES = "meeting-relay-deliveries";
const ANSWER_MS = 200;
const TIMEOUT_MS = 350;
// The chat test waits longer, so that "when its slot says" and "when it began to wait" are a second
// apart: a loaded machine adds tens of milliseconds between the limiter's answer and the fetch.
const CHAT_WAIT_MS = 1_000;

const targets: Target[] = ["a", "b", "c"].map((id) => ({
  id,
  url: `https://${id}.example.com/in`,
  timeoutMs: TIMEOUT_MS,
}));

let outbound: ReturnType<typeof mockFetch>;
let inFlight = 0;
let mostInFlight = 0;
const slack = fakeSlack();
const toSlack = answerBots(slack);
let slackReceivedAt: number[] = [];
let answerMs = ANSWER_MS;

beforeEach(async () => {
  await reset();
  inFlight = 0;
  mostInFlight = 0;
  slackReceivedAt = [];
  answerMs = ANSWER_MS;
  outbound = mockFetch(async (request) => {
    if (request.url === slack.url) {
      slackReceivedAt.push(Date.now());
      return toSlack(request);
    }
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, answerMs));
    inFlight -= 1;
    return new Response(null, { status: 204 });
  });
  await useTargets(targets);
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

describe("more attempts in one batch than an invocation has connections", () => {
  it("delivers 4 events to 3 slow targets (12 attempts): none times out unsent, none is retried", async () => {
    const messages: EventMessage[] = Array.from({ length: 4 }, (_, i) => ({
      kind: "event",
      event: sampleEvent(`tencent-meeting:conn-${i}:0`),
      receivedAt: Date.now(),
    }));
    const run = await consume(EVENTS, messages);
    expect(run.acked).toEqual(["m0", "m1", "m2", "m3"]);
    expect(run.retried).toEqual([]);
    expect(run.deliveries).toEqual([]);
    expect(outbound.requests).toHaveLength(12);
    expect(mostInFlight).toBeLessThanOrEqual(6);
  });

  it("delivers a retry batch of 8 the same way", async () => {
    const messages: DeliveryMessage[] = Array.from({ length: 8 }, (_, i) => ({
      kind: "delivery",
      event: sampleEvent(`tencent-meeting:conn-retry-${i}:0`),
      target: targets[i % 3]?.id ?? "a",
      attemptsBefore: 1,
      firstAttemptAt: Date.now() - 60_000,
    }));
    const run = await consume(DELIVERIES, messages);
    expect(run.acked).toEqual(["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7"]);
    expect(run.retried).toEqual([]);
    expect(run.deliveries).toEqual([]);
    expect(outbound.requests).toHaveLength(8);
  });

  it("asks a chat target's rate limiter for a slot only once the message has a connection, so it goes out when its slot says", async () => {
    const chat = { ...BOT_TARGETS.slack, id: `sl${crypto.randomUUID().slice(0, 8)}` };
    answerMs = CHAT_WAIT_MS;
    await useTargets([...targets.map((t) => ({ ...t, timeoutMs: CHAT_WAIT_MS * 2 })), chat]);
    const pair = (target: string, i: number): DeliveryMessage => ({
      kind: "delivery",
      event: sampleEvent(`tencent-meeting:conn-chat-${i}:0`),
      target,
      attemptsBefore: 1,
      firstAttemptAt: Date.now() - 60_000,
    });
    // Six slow webhook attempts take every connection first; the chat message waits its turn.
    const messages = [...Array.from({ length: 6 }, (_, i) => pair(targets[i % 3]?.id ?? "a", i)), pair(chat.id, 6)];
    const run = await consume(DELIVERIES, messages);
    expect(run.acked).toHaveLength(7);
    expect(slackReceivedAt).toHaveLength(1);
    const [slot] = await env.CHAT_RATE_LIMITER.get(env.CHAT_RATE_LIMITER.idFromName(chat.id)).slots();
    // The slot is when the message went out (give or take the fetch double's own work), not when it began to wait.
    expect((slackReceivedAt[0] ?? 0) - (slot?.at ?? 0)).toBeLessThan(CHAT_WAIT_MS / 2);
  });
});
