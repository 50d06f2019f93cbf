import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/core/env";
import worker from "../../src/index";
import type { QueueMessage } from "../../src/queue/messages";
import { TEST_BINDINGS } from "../support/bindings";
import { mockFetch } from "../support/fetch";
import { aSecondPasses } from "../support/production/kv";
import { consume, recordQueue } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { AUDIT, CRM, DELIVERIES, deadLetters, event, pending } from "./pause-support";

let outbound: ReturnType<typeof mockFetch>;

beforeEach(async () => {
  await reset();
  await useTargets([CRM, AUDIT]);
  outbound = mockFetch(() => new Response(null, { status: 204 }));
  await env.RELAY_STATE.put("paused:crm", JSON.stringify({ since: new Date().toISOString(), by: "operator" }));
});

afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

async function resumeCrm(): Promise<QueueMessage[]> {
  const deliveries = recordQueue(env.DELIVERIES_QUEUE);
  try {
    const request = new Request("http://relay.test/admin/targets/crm/resume", {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` },
    });
    const response = await worker.fetch(request, env as Env, {} as ExecutionContext);
    expect(response.status).toBe(202);
    return deliveries.sent.map((sent) => sent.body);
  } finally {
    deliveries.restore();
  }
}

/**
 * A delivery replaying a kept record (`keptAs`) is attempted only while that record is still there: a
 * resume that lists the record replays and removes it itself.
 */
describe("a letter kept just as a resume lifted the pause, then a resume called again", () => {
  it("is delivered once: by the replay its keeper queued, or by the resume, not by both", async () => {
    // The resume lifts the pause while the retry consumer writes the letter: the keeper sees it and queues it again.
    const put = env.RELAY_STATE.put.bind(env.RELAY_STATE);
    vi.spyOn(env.RELAY_STATE, "put").mockImplementation(async (key, value, options) => {
      if (key.startsWith("dead:crm.")) await env.RELAY_STATE.delete("paused:crm");
      return put(key, value, options);
    });
    const kept = await consume(DELIVERIES, [pending(1)]);
    vi.restoreAllMocks();
    outbound.restore();
    outbound = mockFetch(() => new Response(null, { status: 204 }));
    // The console calls the resume again while it said "remaining" (or the operator resumes again).
    aSecondPasses();
    const replayed = await resumeCrm();
    await consume(DELIVERIES, [...kept.deliveries.map((sent) => sent.body), ...replayed]);
    const sent = outbound.requests.filter((request) => request.url === CRM.url);
    expect(sent.map((request) => request.headers.get("webhook-id"))).toEqual([event(1).id]);
    expect(await deadLetters("crm")).toEqual([]);
  });
});
