import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { pausedTargets, pauseTarget } from "../../src/delivery/pauses";
import type { DeliveryMessage } from "../../src/queue/messages";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";
import { AUDIT, CRM, DELIVERIES, deadLetters, EVENTS, event, fresh, pending, usePauseFixture } from "./pause-support";

const { crm, requests, sentTo } = usePauseFixture();

describe("a target that answers 410 Gone", () => {
  it("is paused on a first attempt: the delivery is kept as a paused dead letter, not retried", async () => {
    crm.status = 410;
    const run = await consume(EVENTS, [fresh(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.deliveries).toEqual([]);
    expect(await deadLetters()).toEqual([
      expect.objectContaining({ reason: "paused", attempts: 1, lastStatus: 410, event: event(1) }),
    ]);
    expect(await env.RELAY_STATE.get("paused:crm", "json")).toEqual({ since: expect.any(String), by: "gone" });
    expect(sentTo(AUDIT)).toHaveLength(1);
  });

  it("is paused on a retry: the pair is kept as a paused dead letter and acknowledged", async () => {
    crm.status = 410;
    const run = await consume(DELIVERIES, [pending(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.retried).toEqual([]);
    expect(run.deliveries).toEqual([]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "paused", attempts: 2, lastStatus: 410 })]);
    expect(await env.RELAY_STATE.get("paused:crm")).not.toBeNull();
  });

  it("is not paused by any other 4xx", async () => {
    crm.status = 404;
    const run = await consume(EVENTS, [fresh(1)]);
    expect(run.deliveries.map((sent) => (sent.body as DeliveryMessage).target)).toEqual(["crm"]);
    expect(await env.RELAY_STATE.get("paused:crm")).toBeNull();
    expect(await deadLetters()).toEqual([]);
  });
});

describe("while a target is paused", () => {
  beforeEach(async () => {
    await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
  });

  it("a new event is not sent to it but kept as a paused dead letter; the other targets get it", async () => {
    const receivedAt = Date.now() - 5_000;
    const run = await consume(EVENTS, [fresh(1, receivedAt)]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.deliveries).toEqual([]);
    expect(sentTo(CRM)).toEqual([]);
    expect(sentTo(AUDIT)).toHaveLength(1);
    expect(await deadLetters()).toEqual([
      expect.objectContaining({
        reason: "paused",
        attempts: 0,
        lastStatus: null,
        event: event(1),
        firstAttemptAt: new Date(receivedAt).toISOString(),
      }),
    ]);
  });

  it("a pending retry is not attempted but kept as a paused dead letter", async () => {
    const run = await consume(DELIVERIES, [pending(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(run.retried).toEqual([]);
    expect(requests()).toEqual([]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "paused", attempts: 1, event: event(1) })]);
  });

  it("two messages of one batch for the same pair (a retry and an operator's redelivery) keep it once", async () => {
    const manual: DeliveryMessage = { ...pending(1), attemptsBefore: 0, manual: true };
    const run = await consume(DELIVERIES, [pending(1), manual]);
    // One record for the pair (KV takes one write per key per second): its resume sends the event once.
    expect(run.acked).toEqual(["m0", "m1"]);
    expect(run.retried).toEqual([]);
    expect(requests()).toEqual([]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "paused", attempts: 1, event: event(1) })]);
  });

  it("an event the dead-letter queue took is kept as a paused dead letter for it, failed for the others", async () => {
    const run = await consume("meeting-relay-dlq", [fresh(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(requests()).toEqual([]);
    expect(await deadLetters("crm")).toEqual([expect.objectContaining({ reason: "paused", event: event(1) })]);
    expect(await deadLetters("audit")).toEqual([expect.objectContaining({ reason: "failed", event: event(1) })]);
  });

  it("a delivery the dead-letter queue took is kept as a paused dead letter", async () => {
    const run = await consume("meeting-relay-dlq", [pending(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(await deadLetters()).toEqual([expect.objectContaining({ reason: "paused", event: event(1) })]);
  });

  it("reads the pause state in bulk for a whole batch, not once per delivery attempted", async () => {
    const get = vi.spyOn(env.RELAY_STATE, "get");
    const run = await consume(DELIVERIES, [
      ...[1, 2, 3].map((n) => pending(n)),
      ...[4, 5, 6].map((n) => pending(n, "audit")),
    ]);
    const reads = get.mock.calls
      .map(([key]) => key as unknown)
      .filter((key) => (Array.isArray(key) ? key : [key]).some((name) => String(name).startsWith("paused:")));
    expect(run.acked).toHaveLength(6);
    expect(sentTo(AUDIT)).toHaveLength(3);
    // Once for the batch; once more, in bulk, for the targets about to be kept, just before keeping;
    // and once after each kept letter is written, so that a resume in between is never missed.
    expect(reads).toEqual([["paused:crm", "paused:audit"], ["paused:crm"], "paused:crm", "paused:crm", "paused:crm"]);
  });
});

describe("a target set enabled: false", () => {
  beforeEach(async () => {
    await useTargets([{ ...CRM, enabled: false }, AUDIT]);
  });

  it("receives nothing new, and keeps no dead letter for it", async () => {
    const run = await consume(EVENTS, [fresh(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(sentTo(CRM)).toEqual([]);
    expect(await deadLetters()).toEqual([]);
  });

  it("turns a pending retry into a dead letter with reason disabled, not attempted", async () => {
    const run = await consume(DELIVERIES, [pending(1)]);
    expect(run.acked).toEqual(["m0"]);
    expect(requests()).toEqual([]);
    expect(await deadLetters()).toEqual([
      expect.objectContaining({ reason: "disabled", attempts: 1, lastError: "target is disabled", event: event(1) }),
    ]);
  });
});

describe("pausedTargets", () => {
  it("reads 150 targets in two bulk reads and finds the paused ones", async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `t${i}`);
    await pauseTarget(env.RELAY_STATE, "t3", "operator");
    await pauseTarget(env.RELAY_STATE, "t120", "gone");
    const get = vi.spyOn(env.RELAY_STATE, "get");
    expect([...(await pausedTargets(env.RELAY_STATE, ids))].sort()).toEqual(["t120", "t3"]);
    expect(get.mock.calls.map(([keys]) => (keys as unknown as string[]).length)).toEqual([100, 50]);
  });
});
