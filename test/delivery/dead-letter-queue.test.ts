/// <reference types="vite/client" />

import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { DLQ_LAST_TRY } from "../../src/delivery/dead-letters/dlq-consumer";
import { deadLetterId, listDeadLetters } from "../../src/delivery/dead-letters/store";
import type { DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { pairOf, untilDone } from "../admin/replay-support";
import { sampleEvent } from "../support/events";
import { acceptEveryDelivery } from "../support/fetch";
import { loggedLines } from "../support/log";
import { aSecondPasses } from "../support/production/kv";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";

const DLQ = "meeting-relay-dlq";
const EVENT_ID = "tencent-meeting:seq-1:0";
const RECEIVED_AT = Date.parse("2026-11-21T10:00:00Z");

const exhaustedDelivery: DeliveryMessage = {
  kind: "delivery",
  event: sampleEvent(),
  target: "crm",
  attemptsBefore: 1,
  firstAttemptAt: RECEIVED_AT,
};
const exhaustedEvent: EventMessage = { kind: "event", event: sampleEvent(), receivedAt: RECEIVED_AT };

const outbound = acceptEveryDelivery();

async function stored() {
  return (await listDeadLetters(env.RELAY_STATE, { limit: 100 })).items;
}

describe("dead-letter queue consumer: what Queues gave up on is kept, never dropped", () => {
  it("stores an exhausted delivery as a dead letter for its target, without sending it", async () => {
    await useTargets([{ id: "crm", url: "https://crm.example.com/" }]);
    const { result: run, lines } = await loggedLines(() => consume(DLQ, [exhaustedDelivery]));
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    expect(outbound.requests).toEqual([]);
    expect(await stored()).toEqual([
      {
        id: await deadLetterId("crm", EVENT_ID),
        target: "crm",
        reason: "failed",
        event: sampleEvent(),
        attempts: 1,
        lastStatus: null,
        lastError: expect.stringContaining("moved to meeting-relay-dlq: the queue's max_retries ran out"),
        firstAttemptAt: "2026-11-21T10:00:00.000Z",
        lastAttemptAt: expect.any(String),
      },
    ]);
    expect(lines).toContainEqual(expect.objectContaining({ kind: "dead-letter", outcome: "stored", target: "crm" }));
  });

  it("stores the whole event of a spilled stub, read back from KV", async () => {
    await useTargets([{ id: "crm", url: "https://crm.example.com/" }]);
    const whole = sampleEvent(EVENT_ID, { data: { raw: { attachments: "会".repeat(50_000) } } });
    await env.RELAY_STATE.put("spill:big", JSON.stringify(whole));
    const stub = sampleEvent(EVENT_ID, { data: { raw: null, spilled: "spill:big" } });
    const run = await consume(DLQ, [{ ...exhaustedDelivery, event: stub }]);
    expect(run.acked).toEqual(["m0"]);
    expect((await stored()).map((letter) => letter.event)).toEqual([whole]);
  });

  it("keeps one event once per batch: a second message about it comes back in a minute (one KV write per key per second)", async () => {
    await useTargets([{ id: "crm", url: "https://crm.example.com/" }]);
    const run = await consume(DLQ, [exhaustedDelivery, exhaustedEvent]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [{ msgId: "m1", delaySeconds: 60 }] });
    expect((await stored()).map((letter) => [letter.target, letter.event.id])).toEqual([["crm", EVENT_ID]]);
    // A minute later the other message keeps the pair again under the same id: still one dead letter.
    aSecondPasses();
    const later = await consume(DLQ, [exhaustedEvent]);
    expect(later).toMatchObject({ acked: ["m0"], retried: [] });
    expect(await stored()).toHaveLength(1);
  });

  it("stores the stub, saying so, when the spilled payload is gone by then", async () => {
    await useTargets([{ id: "crm", url: "https://crm.example.com/" }]);
    const stub = sampleEvent(EVENT_ID, { data: { raw: null, spilled: "spill:gone" } });
    const run = await consume(DLQ, [{ ...exhaustedDelivery, event: stub }]);
    expect(run.acked).toEqual(["m0"]);
    expect(await stored()).toEqual([
      expect.objectContaining({
        event: stub,
        lastError: expect.stringMatching(/; the spilled payload spill:gone of tencent-meeting:seq-1:0 is not in KV$/),
      }),
    ]);
  });

  it("stores an event whose fan-out never finished as one dead letter per matching target that lacks it", async () => {
    await useTargets([
      { id: "crm", url: "https://crm.example.com/" },
      { id: "audit", url: "https://audit.example.com/" },
      { id: "served", url: "https://served.example.com/" },
      { id: "huawei", url: "https://huawei.example.com/", providers: ["huawei-meeting"] },
    ]);
    await env.RELAY_STATE.put(`fanout:${EVENT_ID}`, JSON.stringify(["served"]));
    const run = await consume(DLQ, [exhaustedEvent]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    const letters = await stored();
    expect(letters.map((letter) => letter.target).sort()).toEqual(["audit", "crm"]);
    expect(letters[0]).toMatchObject({ attempts: 0, lastStatus: null, firstAttemptAt: "2026-11-21T10:00:00.000Z" });
    expect(outbound.requests).toEqual([]);
  });

  it("stores one all-targets (*) dead letter when the targets document is invalid", async () => {
    await useTargets('[{"id":"crm"}]');
    const run = await consume(DLQ, [exhaustedEvent]);
    expect(run.acked).toEqual(["m0"]);
    expect(await stored()).toEqual([
      expect.objectContaining({
        id: await deadLetterId("*", EVENT_ID),
        target: "*",
        lastError: expect.stringContaining("targets could not be read: $[0].url"),
      }),
    ]);
  });

  it("keeps an event kept as * only once: a second try after the document is fixed adds no letter per target", async () => {
    // The same message again (Queues delivers at least once): the * letter already covers every target, and
    // per-target letters beside it would make a bulk replay send the event twice to each.
    await useTargets('[{"id":"crm"}]');
    await consume(DLQ, [exhaustedEvent]);
    await useTargets([{ id: "crm", url: "https://crm.example.com/" }]);
    aSecondPasses();
    const { result: run, lines } = await loggedLines(() => consume(DLQ, [exhaustedEvent]));
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    expect((await stored()).map((letter) => letter.target)).toEqual(["*"]);
    expect(lines).toContainEqual(expect.objectContaining({ kind: "dead-letter", id: EVENT_ID, outcome: "duplicate" }));
    aSecondPasses();
    const calls = await untilDone("/admin/dead-letters/replay");
    expect(calls.flatMap((call) => call.queued).map(pairOf)).toEqual([`${EVENT_ID} → *`]);
  });

  it("keeps the * dead letter of a document with 300,000 problems, saying the first and how many more", async () => {
    // 600 KB stored by hand (PUT refuses it): each `0` is a problem of about 100 bytes, 30 MB in all, past
    // the 25 MiB KV takes as one value, were they all written into the dead letter.
    await useTargets(`[${Array.from({ length: 300_000 }, () => "0").join(",")}]`);
    const run = await consume(DLQ, [exhaustedEvent]);
    expect(run).toMatchObject({ acked: ["m0"], retried: [] });
    const [letter, ...others] = await stored();
    expect(others).toEqual([]);
    expect(letter).toMatchObject({ id: await deadLetterId("*", EVENT_ID), target: "*" });
    expect(letter?.lastError).toBe(
      "fan-out never finished: the queue's max_retries ran out; the delivery log lines have each attempt; " +
        "targets could not be read: $: targets document lists 300000 targets; the relay takes at most 200 (and 300000 more problems)",
    );
  }, 60_000);

  it("keeps nothing for an event that was already fanned out, or that no target wants (logged as unrouted)", async () => {
    await useTargets([{ id: "huawei", url: "https://huawei.example.com/", providers: ["huawei-meeting"] }]);
    const { result: run, lines } = await loggedLines(() => consume(DLQ, [exhaustedEvent]));
    expect(run.acked).toEqual(["m0"]);
    expect(lines).toContainEqual(
      expect.objectContaining({ kind: "unrouted", id: EVENT_ID, reason: "no enabled target matches" }),
    );

    await env.RELAY_STATE.put(`dedup:${EVENT_ID}`, "1");
    await useTargets([{ id: "crm", url: "https://crm.example.com/" }]);
    expect((await consume(DLQ, [exhaustedEvent])).acked).toEqual(["m0"]);
    expect(await stored()).toEqual([]);
  });

  it("acknowledges and logs a message that is not the relay's", async () => {
    const { result: run, lines } = await loggedLines(() => consume(DLQ, [{ nope: 1 } as unknown as EventMessage]));
    expect(run.acked).toEqual(["m0"]);
    expect(lines).toContainEqual(
      expect.objectContaining({ kind: "dead-letter", outcome: "discarded", queue: DLQ, messageId: "m0" }),
    );
  });

  it("retries in 60 s when KV cannot store the dead letter", async () => {
    // Reads work (the pause state is read first), writes fail.
    vi.spyOn(env.RELAY_STATE, "put").mockRejectedValue(new Error("KV unavailable"));
    const { result: run, lines } = await loggedLines(() => consume(DLQ, [exhaustedDelivery]));
    expect(run).toMatchObject({ acked: [], retried: [{ msgId: "m0", delaySeconds: 60 }] });
    expect(lines).toContainEqual(
      expect.objectContaining({ kind: "dead-letter", outcome: "store-failed", id: EVENT_ID, reason: "KV unavailable" }),
    );
  });

  // max_retries = 100 for meeting-relay-dlq (wrangler.toml): the 101st try is the last before Queues deletes it.
  it.each([
    ["a delivery", exhaustedDelivery],
    ["an event", exhaustedEvent],
  ] as const)(
    "logs %s it still cannot store on its last try whole, with everything needed to recover it",
    async (_, body) => {
      await useTargets([{ id: "crm", url: "https://crm.example.com/" }]);
      vi.spyOn(env.RELAY_STATE, "get").mockRejectedValue(new Error("KV unavailable"));
      vi.spyOn(env.RELAY_STATE, "put").mockRejectedValue(new Error("KV unavailable"));
      const { result: run, lines } = await loggedLines(() => consume(DLQ, [body], { attempts: 101 }));
      expect(run).toMatchObject({ acked: ["m0"], retried: [] });
      expect(lines.filter((line) => line.kind === "dead-letter")).toEqual([
        {
          kind: "dead-letter",
          queue: DLQ,
          messageId: "m0",
          id: EVENT_ID,
          outcome: "lost",
          reason: "KV unavailable",
          attempts: 101,
          message: body,
        },
      ]);
    },
  );

  it("keeps the whole message out of the log while it can still be retried", async () => {
    vi.spyOn(env.RELAY_STATE, "put").mockRejectedValue(new Error("KV unavailable"));
    const { result: run, lines } = await loggedLines(() => consume(DLQ, [exhaustedDelivery], { attempts: 100 }));
    expect(run.retried).toEqual([{ msgId: "m0", delaySeconds: 60 }]);
    expect(lines.some((line) => "message" in line)).toBe(false);
  });

  it("knows which try is the last: wrangler.toml gives meeting-relay-dlq max_retries = 100", () => {
    const toml =
      Object.values(
        import.meta.glob<string>("../../wrangler.toml", { query: "?raw", import: "default", eager: true }),
      )[0] ?? "";
    const dlq = toml.slice(toml.indexOf('\nqueue = "meeting-relay-dlq"\n') + 1);
    expect(dlq).toMatch(/^queue = "meeting-relay-dlq"\n(?:[a-z_]+ = .+\n)*max_retries = 100\n/);
    expect(DLQ_LAST_TRY).toBe(101);
  });
});
