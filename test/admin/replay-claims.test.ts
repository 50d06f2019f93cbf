import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/core/env";
import { bulkReplay } from "../../src/delivery/dead-letters/bulk-replay";
import { type DeadLetter, storeDeadLetter } from "../../src/delivery/dead-letters/store";
import { CLAIM_HELD_MS, claimLetters } from "../../src/event-log/replay-claims";
import worker from "../../src/index";
import { CRM, DELIVERIES, event, pending } from "../delivery/pause-support";
import { TEST_BINDINGS } from "../support/bindings";
import { bury } from "../support/dead-letters";
import { mockFetch } from "../support/fetch";
import { loggedLines } from "../support/log";
import { aSecondPasses } from "../support/production/kv";
import { PRODUCTION } from "../support/production/limits";
import { takeInvocations } from "../support/production/operations";
import { consume, recordQueue } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { pairOf, storedLetters } from "./replay-support";

const REPLAY_ALL = { path: "/admin/dead-letters/replay", body: JSON.stringify({ target: "crm" }) };
const replayOne = (letter: DeadLetter) => ({ path: `/admin/dead-letters/${letter.id}/replay` });

/**
 * Admin `POST`s sent at once, as two operators (or a client retrying a call that timed out) send them,
 * with one recording of each queue for all of them: their answers, and every message they queued.
 */
async function atOnce(calls: { path: string; body?: string }[], failWith?: Error) {
  const deliveries = recordQueue(env.DELIVERIES_QUEUE, { failWith });
  const events = recordQueue(env.EVENTS_QUEUE, { failWith });
  try {
    takeInvocations();
    const answers = await Promise.all(
      calls.map(async ({ path, body }) => {
        const request = new Request(`http://relay.test${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` },
          ...(body === undefined ? {} : { body }),
        });
        const response = await worker.fetch(request, env as Env, {} as ExecutionContext);
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      }),
    );
    return {
      answers,
      queued: [...deliveries.sent, ...events.sent].map(pairOf),
      operations: takeInvocations().map((invocation) => invocation.operations),
    };
  } finally {
    deliveries.restore();
    events.restore();
  }
}

/** `n` failed letters of crm, `e0`…. */
async function buryMany(n: number): Promise<DeadLetter[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => bury("crm", `e${i}`)));
}

const eventIds = (n: number) => Array.from({ length: n }, (_, i) => `e${i} → crm`);

beforeEach(async () => {
  await reset();
  await useTargets([CRM]);
});

afterEach(() => vi.restoreAllMocks());

describe("replays of one dead letter at once send it once", () => {
  it("two bulk replays at once: each letter is queued by one of them, and both answers add up", async () => {
    await buryMany(30);
    const { answers, queued, operations } = await atOnce([REPLAY_ALL, REPLAY_ALL]);
    expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
    expect(queued.sort()).toEqual(eventIds(30).sort());
    expect(answers.reduce((sum, answer) => sum + (answer.body.replayed as number), 0)).toBe(30);
    expect(answers.map((answer) => answer.body.remaining)).toEqual([false, false]);
    expect(Math.max(...operations)).toBeLessThanOrEqual(PRODUCTION.freeOperations);
    expect(await storedLetters()).toEqual([]);
  });

  it("two replays of one letter at once: one queues it, both answer that it is queued", async () => {
    const [letter] = await buryMany(1);
    const { answers, queued } = await atOnce([replayOne(letter as DeadLetter), replayOne(letter as DeadLetter)]);
    const queuedAnswer = {
      status: 202,
      body: { id: letter?.id, target: "crm", event: "e0", status: "queued" },
    };
    expect(answers).toEqual([queuedAnswer, queuedAnswer]);
    expect(queued).toEqual(["e0 → crm"]);
    expect(await storedLetters()).toEqual([]);
  });

  it("a record KV still serves after a replay removed it is not sent again; a new version of the letter is", async () => {
    const [letter] = await buryMany(1);
    const first = await atOnce([REPLAY_ALL]);
    expect(first.queued).toEqual(["e0 → crm"]);
    // What a KV location that read the record before the delete may serve for up to a minute.
    aSecondPasses();
    await env.RELAY_STATE.put(`dead:${letter?.id}`, JSON.stringify(letter));
    aSecondPasses();
    const stale = await atOnce([REPLAY_ALL, replayOne(letter as DeadLetter)]);
    expect(stale.queued).toEqual([]);
    expect(stale.answers.map((answer) => answer.status)).toEqual([202, 202]);
    expect(stale.answers[0]?.body).toEqual({ replayed: 0, remaining: false });

    // The letter failed again and was kept again: a new claim.
    aSecondPasses();
    await bury("crm", "e0", { lastAttemptAt: "2026-11-21T15:00:00.000Z" });
    const again = await atOnce([REPLAY_ALL]);
    expect(again.queued).toEqual(["e0 → crm"]);
  });

  it("a claim lapses after ten minutes: a record KV did not delete is replayable then", async () => {
    const [letter] = await buryMany(1);
    await atOnce([REPLAY_ALL]);
    aSecondPasses();
    await env.RELAY_STATE.put(`dead:${letter?.id}`, JSON.stringify(letter));
    aSecondPasses();
    const deliveries = recordQueue(env.DELIVERIES_QUEUE);
    try {
      expect(await bulkReplay(env as Env, "crm", {}, undefined, Date.now() + CLAIM_HELD_MS - 1_000)).toEqual({
        replayed: 0,
        remaining: false,
      });
      expect(deliveries.sent).toEqual([]);
      aSecondPasses();
      expect(await bulkReplay(env as Env, "crm", {}, undefined, Date.now() + CLAIM_HELD_MS + 1_000)).toEqual({
        replayed: 1,
        remaining: false,
      });
      expect(deliveries.sent.map(pairOf)).toEqual(["e0 → crm"]);
    } finally {
      deliveries.restore();
    }
  });
});

describe("a replay the queue refuses gives its claims back", () => {
  it("one letter: 503, kept, and replayed by the next call at once", async () => {
    const [letter] = await buryMany(1);
    const refused = await atOnce([replayOne(letter as DeadLetter)], new Error("queue unavailable"));
    expect(refused.answers[0]?.status).toBe(503);
    expect(refused.queued).toEqual([]);
    const next = await atOnce([replayOne(letter as DeadLetter)]);
    expect(next.answers[0]?.status).toBe(202);
    expect(next.queued).toEqual(["e0 → crm"]);
    expect(await storedLetters()).toEqual([]);
  });

  it("a bulk replay: 503, every letter kept, and the next call replays them all", async () => {
    await buryMany(12);
    const refused = await atOnce([REPLAY_ALL], new Error("queue unavailable"));
    expect(refused.answers[0]?.status).toBe(503);
    expect(refused.queued).toEqual([]);
    expect(await storedLetters()).toHaveLength(12);
    aSecondPasses();
    const next = await atOnce([REPLAY_ALL]);
    expect(next.answers[0]?.body).toEqual({ replayed: 12, remaining: false });
    expect(next.queued.sort()).toEqual(eventIds(12).sort());
  });
});

describe("claims without D1", () => {
  it("a replay goes on when D1 fails, and says so in a log line", async () => {
    await buryMany(3);
    const prepare = env.RELAY_LOG.prepare.bind(env.RELAY_LOG);
    vi.spyOn(env.RELAY_LOG, "prepare").mockImplementation((sql: string) => {
      if (sql.includes("replay_claims")) throw new Error("D1_ERROR: unavailable");
      return prepare(sql);
    });
    const { lines, result } = await loggedLines(() => atOnce([REPLAY_ALL]));
    expect(result.answers[0]?.body).toEqual({ replayed: 3, remaining: false });
    expect(result.queued.sort()).toEqual(eventIds(3).sort());
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: "dead-letter",
        outcome: "claim-unavailable",
        reason: "D1_ERROR: unavailable",
        letters: 3,
      }),
    );
  });

  it("a relay without an event log replays as before", async () => {
    await buryMany(2);
    const deliveries = recordQueue(env.DELIVERIES_QUEUE);
    try {
      const progress = await bulkReplay({ ...env, RELAY_LOG: undefined } as unknown as Env, "crm", {});
      expect(progress).toEqual({ replayed: 2, remaining: false });
      expect(deliveries.sent.map(pairOf).sort()).toEqual(eventIds(2).sort());
    } finally {
      deliveries.restore();
    }
  });
});

describe("the keeper's own replay (its target was resumed while it kept the delivery) claims the record too", () => {
  /** Event 1's delivery to crm, kept while crm was paused: the record a resume lists and the keeper names. */
  async function keptForCrm(): Promise<DeadLetter> {
    return storeDeadLetter(env.RELAY_STATE, {
      target: "crm",
      reason: "paused",
      event: event(1),
      attempts: 0,
      lastStatus: null,
      lastError: "not attempted: the target is paused",
      firstAttemptAt: new Date(Date.now() - 60_000).toISOString(),
      lastAttemptAt: new Date(Date.now() - 60_000).toISOString(),
    });
  }
  const keepersReplay = (letter: DeadLetter) => ({ ...pending(1), keptAs: letter.id });

  it("sends nothing when a resume claimed the record and could not remove it (KV failed the delete)", async () => {
    const letter = await keptForCrm();
    const remove = env.RELAY_STATE.delete.bind(env.RELAY_STATE);
    vi.spyOn(env.RELAY_STATE, "delete").mockImplementation(async (key) => {
      if (key.startsWith("dead:")) throw new Error("KV unavailable");
      return remove(key);
    });
    const resumed = await atOnce([{ path: "/admin/targets/crm/resume" }]);
    expect(resumed.answers[0]?.body).toMatchObject({ replayed: 1, remaining: false });
    expect(resumed.queued).toEqual([`${event(1).id} → crm`]);

    const outbound = mockFetch(() => new Response(null, { status: 204 }));
    try {
      const { lines, result } = await loggedLines(() => consume(DELIVERIES, [keepersReplay(letter)]));
      expect(result.acked).toEqual(["m0"]);
      expect(outbound.requests).toEqual([]);
      expect(lines).toContainEqual(
        expect.objectContaining({
          kind: "delivery",
          outcome: "skipped",
          reason: "its kept record is being replayed by a resume or a replay",
        }),
      );
    } finally {
      outbound.restore();
    }
  });

  it("a retry of the keeper's replay (the same queue message) takes its own claim again; another message does not", async () => {
    const letter = await keptForCrm();
    await claimLetters(env as Env, [{ letter }], { by: "message:m7", at: Date.now() });
    const outbound = mockFetch(() => new Response(null, { status: 204 }));
    try {
      const other = await consume(DELIVERIES, [keepersReplay(letter)], { ids: ["m8"] });
      expect(other.acked).toEqual(["m8"]);
      expect(outbound.requests).toEqual([]);
      const retried = await consume(DELIVERIES, [keepersReplay(letter)], { ids: ["m7"], attempts: 2 });
      expect(retried.acked).toEqual(["m7"]);
      expect(outbound.requests.map((request) => request.url)).toEqual([CRM.url]);
      expect(await storedLetters()).toEqual([]);
    } finally {
      outbound.restore();
    }
  });
});
