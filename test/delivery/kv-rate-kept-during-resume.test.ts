import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/core/env";
import { CLAIM_HELD_MS } from "../../src/event-log/replay-claims";
import worker from "../../src/index";
import type { DeliveryMessage } from "../../src/queue/messages";
import { TEST_BINDINGS } from "../support/bindings";
import { consume } from "../support/queue";
import { CRM, DELIVERIES, deadLetters, event, pauseAndResumeLater, pending, usePauseFixture } from "./pause-support";

/**
 * KV takes one write per key per second, across invocations too. A retry consumer keeps a delivery for
 * its paused target just as an operator resumes it: the resume lists the record the consumer wrote a
 * moment ago, queues it, and its delete is refused. The consumer meanwhile saw the pause lifted and
 * queued the delivery again itself, naming the record, to be sent if the record is still there. The
 * resume marks the record replayed and queues a replay naming it too: whichever comes first removes it
 * instead of sending the event a second time, and the other finds it gone.
 */
const fixture = usePauseFixture();

/** The test's clock: the queue's delays pass by moving it on (the KV double reads it too). */
let offset = 0;
const realNow = Date.now.bind(Date);

async function resumeCrm(): Promise<{ status: number; body: Record<string, unknown> }> {
  const request = new Request("http://relay.test/admin/targets/crm/resume", {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` },
  });
  const ctx = { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext;
  const response = await worker.fetch(request, env as Env, ctx);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const sentToCrm = () => fixture.sentTo(CRM).map((request) => request.headers.get("webhook-id"));

/**
 * The race above, the replays naming the record taken up `wait` ms after the resume: 2 s (their delay), or
 * once the resume's claim on the record has lapsed (a backlog), when only the record's mark stops a second send.
 */
async function keptDuringResume(wait: number): Promise<void> {
  offset = 0;
  vi.spyOn(Date, "now").mockImplementation(() => realNow() + offset);
  await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));

  // The operator's resume runs right after the consumer wrote the record, before it looks at the pause again.
  const put = env.RELAY_STATE.put.bind(env.RELAY_STATE);
  let resume: Awaited<ReturnType<typeof resumeCrm>> | undefined;
  vi.spyOn(env.RELAY_STATE, "put").mockImplementation(async (key, value, options) => {
    await put(key, value, options);
    if (key.startsWith("dead:crm.") && resume === undefined) resume = await resumeCrm();
  });
  const kept = await consume(DELIVERIES, [pending(1)]);
  vi.mocked(env.RELAY_STATE.put).mockRestore();

  expect(kept.acked).toEqual(["m0"]);
  expect(resume?.status).toBe(202);
  expect(resume?.body).toMatchObject({ paused: false, replayed: 1, remaining: false });
  // The resume queued it at once, and a replay naming its record 2 s later; the keeper queued one too.
  const [fromResume, ...naming] = kept.deliveries;
  expect(fromResume?.body).toMatchObject({ kind: "delivery", target: "crm", event: { id: event(1).id } });
  expect(fromResume?.body).not.toHaveProperty("keptAs");
  expect(naming).toHaveLength(2);
  for (const replay of naming) {
    expect(replay.body).toMatchObject({ target: "crm", keptAs: expect.stringMatching(/^crm\./) });
    expect(replay.delaySeconds).toBe(2);
  }

  expect((await consume(DELIVERIES, [fromResume?.body as DeliveryMessage])).acked).toEqual(["m0"]);
  offset += wait;
  const later = await consume(
    DELIVERIES,
    naming.map((replay) => replay.body as DeliveryMessage),
  );
  expect(later.acked).toEqual(["m0", "m1"]);
  expect(later.deliveries).toEqual([]);
  expect(sentToCrm()).toEqual([event(1).id]);
  expect(await deadLetters("crm")).toEqual([]);

  // Later the operator pauses and resumes crm: nothing of event 1 is replayed.
  const again = await pauseAndResumeLater((ms) => {
    offset += ms;
  });
  expect(again.body).toMatchObject({ replayed: 0 });
  expect(again.queued).toEqual([]);
  expect(sentToCrm()).toEqual([event(1).id]);
}

describe("a delivery kept just as its target is resumed, with KV's one write per key per second", () => {
  it("is delivered once: the resume's replay goes out, the replays naming the record remove it and send nothing", async () => {
    await keptDuringResume(2_000);
  });

  it("is delivered once when the replays naming the record are taken up after the resume's claim lapsed", async () => {
    await keptDuringResume(CLAIM_HELD_MS + 2_000);
  });
});
