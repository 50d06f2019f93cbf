import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/core/env";
import { MAX_TICKETS, TICKET_GRACE_MS } from "../../src/delivery/chat/rate-limiter";
import { SLOT_UNAVAILABLE_RETRY_SECONDS, takeSlot } from "../../src/delivery/chat/slots";
import { QUEUE_MAX_DELAY_SECONDS } from "../../src/lib/limits";
import { loggedLines } from "../support/log";
import { asInvocation, takeInvocations } from "../support/production/operations";

/**
 * The rate limiter runs as the real local Durable Object; time is what each call passes as `now`
 * (nothing sleeps). Each test uses targets of its own, so each talks to objects of its own.
 */
const T = Date.UTC(2026, 10, 2, 9, 0, 0);
const S = 1000;
/** The windows as the limiter keeps them: 5 % wider than the bot's, at most a second more. */
const MINUTE = 61 * S;
const SECOND = 1050;

type Limit = { perMinute?: number; perSecond?: number };
const chatTarget = (rateLimit: Limit) => ({ id: `chat-${crypto.randomUUID()}`, rateLimit });
const rowsOf = (target: { id: string }) =>
  env.CHAT_RATE_LIMITER.get(env.CHAT_RATE_LIMITER.idFromName(target.id)).slots();

/**
 * Deliveries that ask for a slot at `asks[i]` and, told to wait, come back from the queue that many
 * seconds later plus `late(i, round)` ms, until they may send. Calls are made in time order (ties
 * in order of asking), as one object sees them. Returns when each delivery was sent.
 */
async function deliver(
  target: { id: string; rateLimit: Limit },
  asks: readonly number[],
  late: (delivery: number, round: number) => number = () => 0,
): Promise<{ sentAt: number[]; requests: number }> {
  const pending = asks.map((at, delivery) => ({ at, delivery, round: 0 }));
  const sentAt: number[] = [];
  let requests = 0;
  while (pending.length > 0) {
    pending.sort((a, b) => a.at - b.at || a.delivery - b.delivery);
    const next = pending.shift() as (typeof pending)[number];
    requests++;
    if (requests > 50 * asks.length) throw new Error("deliveries kept waiting");
    const answer = await takeSlot(env, target, next.at);
    if ("go" in answer) sentAt[next.delivery] = next.at;
    else {
      const round = next.round + 1;
      pending.push({ ...next, round, at: next.at + answer.waitSeconds * S + late(next.delivery, round) });
    }
  }
  return { sentAt, requests };
}

/** The most sends in any window of `ms` (a sliding window, as the bots count). */
function mostInAnyWindow(times: readonly number[], ms: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (const [i, start] of sorted.entries()) {
    let end = i;
    while (end < sorted.length && (sorted[end] as number) < start + ms) end++;
    most = Math.max(most, end - i);
  }
  return most;
}

const inOrder = (times: readonly number[]) => times.every((time, i) => i === 0 || time >= (times[i - 1] as number));

describe("chat send slots: sliding windows", () => {
  it("20 per minute: the 21st within a minute waits until the first send is a (kept) minute old", async () => {
    const target = chatTarget({ perMinute: 20 });
    for (let i = 0; i < 20; i++) expect(await takeSlot(env, target, T + i * S)).toEqual({ go: true });
    expect(await takeSlot(env, target, T + 30 * S)).toEqual({ waitSeconds: 31 });
    // Coming back at its slot, it goes; the next waits for the second send to leave the window.
    expect(await takeSlot(env, target, T + MINUTE)).toEqual({ go: true });
    expect(await takeSlot(env, target, T + MINUTE + 500)).toEqual({ waitSeconds: 1 });
    expect(await takeSlot(env, target, T + MINUTE + 500 + S)).toEqual({ go: true });
  });

  it("1 per second (Slack): one send per kept second", async () => {
    const target = chatTarget({ perSecond: 1 });
    expect(await takeSlot(env, target, T)).toEqual({ go: true });
    // The second may go at T + 1.05 s, and the queue brings it back at T + 2 s; the third goes 1.05 s after that.
    expect(await takeSlot(env, target, T)).toEqual({ waitSeconds: 2 });
    expect(await takeSlot(env, target, T)).toEqual({ waitSeconds: 4 });
    // A burst of 30: one every 2 s in order, and each waiting delivery asks twice, never again and again.
    const { sentAt, requests } = await deliver(chatTarget({ perSecond: 1 }), Array(30).fill(T));
    expect(sentAt).toEqual(Array.from({ length: 30 }, (_, i) => T + i * 2 * S));
    expect(requests).toBe(59);
    // Coming back up to 0.9 s late changes nothing.
    const late = await deliver(chatTarget({ perSecond: 1 }), Array(30).fill(T), (d, r) => ((d + r) % 10) * 90);
    expect(late.requests).toBe(59);
    expect(mostInAnyWindow(late.sentAt, SECOND)).toBe(1);
    expect(inOrder(late.sentAt)).toBe(true);
  });

  it("5 per second and 100 per minute together (Feishu): both windows hold", async () => {
    const target = chatTarget({ perMinute: 100, perSecond: 5 });
    for (let i = 0; i < 5; i++) expect(await takeSlot(env, target, T)).toEqual({ go: true });
    expect(await takeSlot(env, target, T)).toEqual({ waitSeconds: 2 });

    const { sentAt } = await deliver(chatTarget({ perMinute: 100, perSecond: 5 }), Array(130).fill(T));
    expect(sentAt.filter((at) => at !== undefined)).toHaveLength(130);
    expect(mostInAnyWindow(sentAt, SECOND)).toBe(5);
    expect(mostInAnyWindow(sentAt, MINUTE)).toBe(100);
    const sorted = [...sentAt].sort((a, b) => a - b);
    expect(sorted[100]).toBeGreaterThanOrEqual((sorted[0] as number) + MINUTE);
  });
});

describe("chat send slots: a burst waits in the queue in order", () => {
  it("30 at 20 per minute: 20 go at once, 10 get the next slot in order and go when they come back", async () => {
    const target = chatTarget({ perMinute: 20 });
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await takeSlot(env, target, T));
    expect(answers.slice(0, 20)).toEqual(Array(20).fill({ go: true }));
    expect(answers.slice(20)).toEqual(Array(10).fill({ waitSeconds: 61 }));
    for (let i = 0; i < 10; i++) expect(await takeSlot(env, target, T + 61 * S)).toEqual({ go: true });

    const { sentAt, requests } = await deliver(chatTarget({ perMinute: 20 }), Array(30).fill(T));
    expect(sentAt).toEqual([...Array(20).fill(T), ...Array(10).fill(T + MINUTE)]);
    expect(mostInAnyWindow(sentAt, 60 * S)).toBe(20);
    expect(requests).toBe(40); // one request each, and one more for each that waited
  });

  it("100 at 20 per minute: every slot in order of asking, 20 in any window", async () => {
    const { sentAt, requests } = await deliver(chatTarget({ perMinute: 20 }), Array(100).fill(T));
    expect(inOrder(sentAt)).toBe(true);
    expect(mostInAnyWindow(sentAt, MINUTE)).toBe(20);
    expect(sentAt[99]).toBe(T + 4 * MINUTE);
    expect(requests).toBe(180);
  });

  it("deliveries that come back up to 3 s late still never put 21 in a minute, and all are sent", async () => {
    const late = (delivery: number, round: number) => ((delivery * 7 + round * 13) % 4) * S;
    const { sentAt } = await deliver(chatTarget({ perMinute: 20 }), Array(90).fill(T), late);
    expect(sentAt.filter((at) => at !== undefined)).toHaveLength(90);
    expect(mostInAnyWindow(sentAt, MINUTE)).toBeLessThanOrEqual(20);
  });
});

describe("chat send slots: late and early returns", () => {
  it("a late return goes if the window allows it, and the slot it crowds waits until the window frees", async () => {
    const target = chatTarget({ perMinute: 20 });
    const answers = [];
    for (let i = 0; i < 60; i++) answers.push(await takeSlot(env, target, T));
    expect(answers.slice(20, 40)).toEqual(Array(20).fill({ waitSeconds: 61 }));
    expect(answers.slice(40)).toEqual(Array(20).fill({ waitSeconds: 122 }));
    // 19 of the second 20 come back on time; one comes back 39 s late and still goes.
    for (let i = 0; i < 19; i++) expect(await takeSlot(env, target, T + MINUTE)).toEqual({ go: true });
    expect(await takeSlot(env, target, T + 100 * S)).toEqual({ go: true });
    // The third 20 come back at 122 s: the late send is still in their window, so the 20th waits for it.
    for (let i = 0; i < 19; i++) expect(await takeSlot(env, target, T + 2 * MINUTE)).toEqual({ go: true });
    expect(await takeSlot(env, target, T + 2 * MINUTE)).toEqual({ waitSeconds: 39 });
    expect(await takeSlot(env, target, T + 161 * S)).toEqual({ go: true });
  });

  it("an early return never sends before its slot: it gets a new one and the queue keeps its order", async () => {
    const target = chatTarget({ perMinute: 20 });
    for (let i = 0; i < 20; i++) await takeSlot(env, target, T);
    for (let i = 0; i < 10; i++) expect(await takeSlot(env, target, T)).toEqual({ waitSeconds: 61 });
    // One of the ten comes back 31 s early: a new slot, not a send.
    expect(await takeSlot(env, target, T + 30 * S)).toEqual({ waitSeconds: 31 });
    // A new delivery at 40 s queues behind the ten (nothing may pass them).
    expect(await takeSlot(env, target, T + 40 * S)).toEqual({ waitSeconds: 21 });
    // At 61 s the ten, the early one and the newcomer all go: 12 sends, 20 would fit.
    for (let i = 0; i < 12; i++) expect(await takeSlot(env, target, T + MINUTE)).toEqual({ go: true });
    expect(mostInAnyWindow([...Array(20).fill(T), ...Array(12).fill(T + MINUTE)], MINUTE)).toBe(20);
  });

  it("a delivery far later than its slot (past the grace) asks like a new one", async () => {
    const target = chatTarget({ perSecond: 1 });
    await takeSlot(env, target, T);
    expect(await takeSlot(env, target, T)).toEqual({ waitSeconds: 2 });
    expect(await rowsOf(target)).toEqual([
      { at: T, sent: true },
      { at: T + 2 * S, sent: false },
    ]);
    const muchLater = T + 2 * S + TICKET_GRACE_MS + 1;
    expect(await takeSlot(env, target, muchLater)).toEqual({ go: true });
    expect(await rowsOf(target)).toEqual([{ at: muchLater, sent: true }]);
  });
});

describe("chat send slots: storage and limits", () => {
  it("keeps only the sends a window can still see and the slots still promised", async () => {
    const target = chatTarget({ perMinute: 20, perSecond: 5 });
    for (let i = 0; i < 25; i++) await takeSlot(env, target, T);
    expect(await rowsOf(target)).toHaveLength(25); // 5 sends, 20 promised slots
    expect(await takeSlot(env, target, T + 10 * 60 * S)).toEqual({ go: true });
    expect(await rowsOf(target)).toEqual([{ at: T + 10 * 60 * S, sent: true }]);

    // 30 a minute asking, 20 a minute sent: a backlog builds and drains; what is left is the last window.
    const busy = chatTarget({ perMinute: 20 });
    const { sentAt } = await deliver(
      busy,
      Array.from({ length: 200 }, (_, i) => T + i * 2 * S),
    );
    const rows = await rowsOf(busy);
    expect(rows.every((row) => row.sent && row.at > (sentAt[199] as number) - MINUTE)).toBe(true);
    expect(rows).toHaveLength(20);
    // Hundreds of sequential requests to the limiter: about 2 s alone, over 5 s on a loaded 2-core machine.
  }, 30_000);

  it("never promises a slot further ahead than a queue message can wait", async () => {
    const target = chatTarget({ perMinute: 1 }); // one slot per 61 s: 12 h hold 708 of them
    const waits: number[] = [];
    for (let i = 0; i < 712; i++) {
      const answer = await takeSlot(env, target, T);
      waits.push("waitSeconds" in answer ? answer.waitSeconds : 0);
    }
    expect(waits[708]).toBe(708 * 61);
    expect(waits.slice(709)).toEqual([QUEUE_MAX_DELAY_SECONDS, QUEUE_MAX_DELAY_SECONDS, QUEUE_MAX_DELAY_SECONDS]);
    expect(await rowsOf(target)).toHaveLength(709);
    expect(MAX_TICKETS).toBeGreaterThan(708);
  }, 30_000);

  it("one request to the limiter per slot asked for, none for a target without a limit", async () => {
    takeInvocations();
    const limited = chatTarget({ perMinute: 20 });
    await asInvocation("queue meeting-relay-deliveries (1 messages)", 50, () => takeSlot(env, limited, T));
    await asInvocation("queue meeting-relay-deliveries (1 messages)", 50, () => takeSlot(env, chatTarget({}), T));
    expect(takeInvocations().map((invocation) => invocation.log)).toEqual([["durableObject.take"], []]);
  });
});

describe("chat send slots: when the limiter cannot answer", () => {
  const broken = (take: () => Promise<unknown>) =>
    ({
      ...env,
      CHAT_RATE_LIMITER: { idFromName: (name: string) => name, get: () => ({ take }) },
    }) as unknown as Env;

  it("the delivery waits in the queue and asks again, never sent unthrottled", async () => {
    const target = chatTarget({ perMinute: 20 });
    const unavailable = broken(() => Promise.reject(new Error("Durable Object is overloaded")));
    const { result, lines } = await loggedLines(() => takeSlot(unavailable, target, T));
    expect(result).toEqual({ waitSeconds: SLOT_UNAVAILABLE_RETRY_SECONDS });
    expect(lines).toEqual([
      {
        kind: "chat-slot",
        target: target.id,
        outcome: "unavailable",
        reason: "Durable Object is overloaded",
        retryInSeconds: SLOT_UNAVAILABLE_RETRY_SECONDS,
      },
    ]);
    // Nothing was recorded for it: the real limiter has seen no request.
    expect(await rowsOf(target)).toEqual([]);
  });

  it("a binding that is missing, or a limit that is not a whole number, also waits", async () => {
    const target = chatTarget({ perMinute: 20 });
    const noBinding = { ...env, CHAT_RATE_LIMITER: undefined } as unknown as Env;
    expect(await takeSlot(noBinding, target, T)).toEqual({ waitSeconds: SLOT_UNAVAILABLE_RETRY_SECONDS });
    let asked = false;
    const spy = broken(async () => {
      asked = true;
      return { go: true };
    });
    for (const perMinute of [0, 2.5, Number.NaN]) {
      const bad = { id: target.id, rateLimit: { perMinute } };
      expect(await takeSlot(spy, bad, T)).toEqual({ waitSeconds: SLOT_UNAVAILABLE_RETRY_SECONDS });
    }
    expect(asked).toBe(false);
  });
});
