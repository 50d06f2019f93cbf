import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { sampleEvent } from "../support/events";
import { loggedLines } from "../support/log";
import { PRODUCTION } from "../support/production/limits";
import { reset } from "../support/reset";
import { pairOf, post, type Seed, seed, storedLetters, untilDone } from "./replay-support";

const REPLAY = "/admin/dead-letters/replay";

beforeEach(async () => {
  await reset();
});

const keys = async () => (await storedLetters()).map((letter) => letter.id).sort();

describe("POST /admin/dead-letters/replay", () => {
  it("with an empty body replays every dead letter: pairs to their target, a * letter through fan-out", async () => {
    await seed([
      { target: "crm", reason: "failed", eventId: "e1" },
      { target: "crm", reason: "paused", eventId: "e2" },
      { target: "erp", reason: "disabled", eventId: "e3" },
      { target: "bi", reason: "removed", eventId: "e4" },
      { target: "*", reason: "failed", eventId: "e5" },
    ]);
    const call = await post(REPLAY);
    expect(call.status).toBe(202);
    expect(call.body).toEqual({ replayed: 5, remaining: false });
    expect(call.queued.map(pairOf).sort()).toEqual(["e1 → crm", "e2 → crm", "e3 → erp", "e4 → bi", "e5 → *"]);
    const replayOfStar = call.queued.find((sent) => sent.body.kind === "event")?.body as EventMessage;
    expect(replayOfStar).toEqual({ kind: "event", event: sampleEvent("e5"), receivedAt: expect.any(Number) });
    const pair = call.queued.find((sent) => pairOf(sent) === "e1 → crm")?.body as DeliveryMessage;
    expect(pair).toEqual({
      kind: "delivery",
      event: sampleEvent("e1"),
      target: "crm",
      attemptsBefore: 0,
      firstAttemptAt: expect.any(Number),
    });
    expect(await storedLetters()).toEqual([]);
  });

  it.each([
    ["target", { target: "crm" }, ["e1 → crm", "e2 → crm", "e4 → crm"]],
    ["target *", { target: "*" }, ["e6 → *"]],
    ["reason", { reason: "paused" }, ["e2 → crm", "e5 → erp"]],
    ["since", { since: "2026-11-22T00:00:00Z" }, ["e4 → crm", "e5 → erp"]],
    ["since in another zone", { since: "2026-11-22T08:00:00+08:00" }, ["e4 → crm", "e5 → erp"]],
    ["all three", { target: "crm", reason: "failed", since: "2026-11-21T00:00:00.000Z" }, ["e4 → crm"]],
  ])("filters by %s, and leaves every other letter alone", async (_, filter, expected) => {
    const letters = await seed([
      { target: "crm", reason: "failed", eventId: "e1", lastAttemptAt: "2026-11-20T10:00:00.000Z" },
      { target: "crm", reason: "paused", eventId: "e2", lastAttemptAt: "2026-11-21T10:00:00.000Z", legacy: true },
      { target: "crm-eu", reason: "failed", eventId: "e3", lastAttemptAt: "2026-11-21T10:00:00.000Z" },
      { target: "crm", reason: "failed", eventId: "e4", lastAttemptAt: "2026-11-22T00:00:00.000Z" },
      { target: "erp", reason: "paused", eventId: "e5", lastAttemptAt: "2026-11-23T10:00:00.000Z", legacy: true },
      { target: "*", reason: "failed", eventId: "e6", lastAttemptAt: "2026-11-21T10:00:00.000Z" },
    ]);
    const call = await post(REPLAY, JSON.stringify(filter));
    expect(call.status).toBe(202);
    expect(call.body).toEqual({ replayed: expected.length, remaining: false });
    expect(call.queued.map(pairOf).sort()).toEqual(expected);
    const left = letters.filter((letter) => !expected.includes(`${letter.event.id} → ${letter.target}`));
    expect(await keys()).toEqual(left.map((letter) => letter.id).sort());
  });

  it("replays 5,000 matching letters among others over repeated calls, each once, each call within the budget", async () => {
    const seeds: Seed[] = [];
    for (let i = 0; i < 5000; i++) {
      // One in three is left out by one of the filters: another target, another reason, too old.
      const skip = i % 3 === 0 ? (["erp", "paused", "old"] as const)[(i / 3) % 3] : undefined;
      seeds.push({
        target: skip === "erp" ? "erp" : "crm",
        reason: skip === "paused" ? "paused" : "failed",
        eventId: `e${i}`,
        lastAttemptAt: skip === "old" ? "2026-11-01T00:00:00.000Z" : "2026-11-21T10:00:00.000Z",
        // A few records from before keys carried metadata, which have to be read to be filtered.
        legacy: i % 50 === 1,
      });
    }
    const letters = await seed(seeds);
    const wanted = letters.filter(
      (letter) => letter.target === "crm" && letter.reason === "failed" && letter.lastAttemptAt > "2026-11-20",
    );
    const calls = await untilDone(
      REPLAY,
      JSON.stringify({ target: "crm", reason: "failed", since: "2026-11-20T00:00:00Z" }),
    );

    expect(calls.every((call) => call.status === 202)).toBe(true);
    expect(calls.at(-1)?.body.remaining).toBe(false);
    expect(Math.max(...calls.map((call) => call.operations))).toBeLessThanOrEqual(PRODUCTION.freeOperations);
    const pairs = calls.flatMap((call) => call.queued.map(pairOf));
    expect(pairs).toHaveLength(wanted.length);
    expect(new Set(pairs)).toEqual(new Set(wanted.map((letter) => `${letter.event.id} → crm`)));
    expect((await storedLetters()).length).toBe(5000 - wanted.length);
  }, 60_000);

  it("spills an event kept for several targets once, and queues its stub to each", async () => {
    const big = sampleEvent("e1", { data: { raw: { notes: "x".repeat(130_000) } } });
    await seed(["crm", "erp", "bi"].map((target): Seed => ({ target, reason: "failed", event: big })));
    const call = await post(REPLAY);
    expect(call.status).toBe(202);
    expect(call.body).toEqual({ replayed: 3, remaining: false });
    const stubs = call.queued.map((sent) => (sent.body as DeliveryMessage).event.data.spilled);
    expect(new Set(stubs).size).toBe(1);
    expect(await env.RELAY_STATE.get(stubs[0] ?? "", "json")).toEqual(big);
  });

  it.each([
    ["not JSON", "{not json", {}],
    [
      "JSON without its event, with a key's metadata",
      '{"target": "crm"}',
      { metadata: { reason: "failed", lastAttemptAt: "2026-11-21T10:00:00.000Z" } },
    ],
  ])(
    "replays the others when one record is %s (a value put by hand), logs its key and leaves it",
    async (_, value, options) => {
      const letters = await seed(
        ["e1", "e2", "e3"].map((eventId): Seed => ({ target: "crm", reason: "failed", eventId })),
      );
      const bad = `dead:${letters[1]?.id}`;
      await env.RELAY_STATE.put(bad, value, options);
      const { result: call, lines } = await loggedLines(() => post(REPLAY));
      expect(call.status).toBe(202);
      expect(call.body).toEqual({ replayed: 2, remaining: false });
      expect(call.queued.map(pairOf).sort()).toEqual(["e1 → crm", "e3 → crm"]);
      expect(lines.filter((line) => line.kind === "dead-letters")).toEqual([
        { kind: "dead-letters", outcome: "unreadable", key: bad },
      ]);
      expect((await env.RELAY_STATE.list({ prefix: "dead:" })).keys.map((key) => key.name)).toEqual([bad]);
    },
  );

  it("answers 503 when the queue is unavailable, and keeps every letter", async () => {
    const letters = await seed([{ target: "crm", reason: "failed", eventId: "e1" }]);
    const call = await post(REPLAY, "", new Error("queue unavailable"));
    expect(call.status).toBe(503);
    expect(call.body).toEqual({
      error: "the replay could not finish after 0 dead letters were replayed; the rest are kept, try again",
      code: "queue_unavailable",
    });
    expect(await keys()).toEqual(letters.map((letter) => letter.id));
  });

  it.each([
    ['{"target": "CRM EU"}', "target must be a target id (1 to 64 of a-z, 0-9, _ and -) or *"],
    ['{"target": 7}', "target must be a string"],
    ['{"reason": "lost"}', "reason must be one of failed, paused, disabled, removed"],
    ['{"since": "yesterday"}', "since must be an ISO 8601 time with its zone, such as 2026-11-25T08:00:00Z"],
    ['{"since": "2026-11-25T08:00:00"}', "since must be an ISO 8601 time with its zone, such as 2026-11-25T08:00:00Z"],
    ['{"since": "2026-04-31T08:00:00Z"}', "since must be an ISO 8601 time with its zone, such as 2026-11-25T08:00:00Z"],
    ['{"targets": ["crm"]}', 'unknown field "targets" (allowed: target, reason, since)'],
    [
      '["crm"]',
      'the body must be a JSON object such as {"target": "crm", "reason": "failed", "since": "2026-11-25T08:00:00Z"}, or empty',
    ],
    ['{"target": "crm",', "request body is not valid JSON: line 1, column 18"],
  ])("refuses %s with 400 naming the problem, and replays nothing", async (body, error) => {
    const letters = await seed([{ target: "crm", reason: "failed", eventId: "e1" }]);
    const call = await post(REPLAY, body);
    expect(call.status).toBe(400);
    const code = error.startsWith("request body is not valid JSON") ? "invalid_json" : "invalid_body";
    expect(call.body).toEqual({ error, code });
    expect(call.queued).toEqual([]);
    expect(await keys()).toEqual(letters.map((letter) => letter.id));
  });

  it("refuses a body over 1 KiB with 413, and replays nothing", async () => {
    const letters = await seed([{ target: "crm", reason: "failed", eventId: "e1" }]);
    const call = await post(REPLAY, JSON.stringify({ target: "crm", pad: "x".repeat(2000) }));
    expect(call.status).toBe(413);
    expect(call.body).toEqual({
      error: "the body exceeds 1024 bytes: send only the filter",
      code: "payload_too_large",
    });
    expect(call.queued).toEqual([]);
    expect(await keys()).toEqual(letters.map((letter) => letter.id));
  });
});
