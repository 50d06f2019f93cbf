import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HOUR_MS, OVERFLOW_REASON, RefusalCounter, refusals } from "../../src/event-log/refusals";
import { sampleEvent } from "../support/events";
import { consume } from "../support/queue";
import { SEED_DATA, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";
import { yunhuniNotification, yunhuniRequest } from "../support/yunhuni";
import { resetAll, tableRows } from "./support";

const NOW = Date.parse("2026-11-25T08:30:00Z");
const refusal = (reason = "signature mismatch") => ({ provider: "tencent-meeting", account: "", status: 401, reason });

beforeEach(async () => {
  await resetAll();
  await refusals.flush(env.RELAY_LOG); // nothing left over from another test
  await env.RELAY_LOG.exec("DELETE FROM refusals");
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("refused callbacks are counted", () => {
  it("per provider, account, status, reason and hour: metadata only", async () => {
    const request = await tencentEventRequest(SEED_DATA, {
      signature: "0".repeat(40),
      path: "/webhooks/tencent-meeting/acme",
    });
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(401);
    expect(enqueued).toEqual([]);
    await callWorker(
      await tencentEventRequest(SEED_DATA, { signature: "0".repeat(40), path: "/webhooks/tencent-meeting/acme" }),
    );
    await refusals.flush(env.RELAY_LOG);
    const rows = await tableRows("refusals");
    expect(rows).toEqual([
      {
        hour: Math.floor(Date.now() / HOUR_MS) * HOUR_MS,
        provider: "tencent-meeting",
        account: "acme",
        status: 401,
        reason: "signature mismatch",
        count: 2,
      },
    ]);
    // Nothing the caller sent is kept: not the signature, token, body or address.
    expect(JSON.stringify(rows)).not.toContain("0".repeat(40));
    expect(JSON.stringify(rows)).not.toContain(SEED_DATA.slice(0, 20));
  });

  it("counts a wrong token, a bad body and a wrong method each under its own status and reason", async () => {
    await callWorker(yunhuniRequest(yunhuniNotification("conf.end"), { token: "wrong-token" }));
    await callWorker(new Request("http://relay.test/webhooks/huawei-meeting", { method: "POST", body: "[]" }));
    await callWorker(new Request("http://relay.test/webhooks/huawei-meeting", { method: "GET" }));
    await refusals.flush(env.RELAY_LOG);
    const rows = (await tableRows("refusals")).map(({ provider, status, reason, count }) => ({
      provider,
      status,
      reason,
      count,
    }));
    expect(rows).toEqual(
      expect.arrayContaining([
        { provider: "yunhuni", status: 401, reason: "token mismatch", count: 1 },
        { provider: "huawei-meeting", status: 400, reason: "body is not a JSON object", count: 1 },
        { provider: "huawei-meeting", status: 405, reason: "method GET is not allowed here", count: 1 },
      ]),
    );
    expect(rows).toHaveLength(3);
    expect(JSON.stringify(rows)).not.toContain("wrong-token");
  });

  it("an accepted callback makes no D1 call at all, before or after the response", async () => {
    const batch = vi.spyOn(env.RELAY_LOG, "batch");
    const prepare = vi.spyOn(env.RELAY_LOG, "prepare");
    const { response, enqueued } = await callWorker(await tencentEventRequest(SEED_DATA));
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    expect(batch).not.toHaveBeenCalled();
    expect(prepare).not.toHaveBeenCalled();
  });

  it("a refusal is answered the same when D1 fails, and the failure is only logged", async () => {
    vi.spyOn(env.RELAY_LOG, "batch").mockRejectedValue(new Error("D1_ERROR: unavailable"));
    const request = await tencentEventRequest(SEED_DATA, { signature: "0".repeat(40) });
    const { response } = await callWorker(request);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "signature mismatch" });
  });
});

describe("the counter's cost is bounded under a flood", () => {
  it("10,000 refusals in 30 s are written as at most one batch per interval, none lost", async () => {
    const counter = new RefusalCounter(10_000);
    const batch = vi.spyOn(env.RELAY_LOG, "batch");
    for (let i = 0; i < 10_000; i++) {
      const now = NOW + i * 3; // 30 s in all
      if (counter.count(refusal(), now)) await counter.flush(env.RELAY_LOG, now);
    }
    expect(batch.mock.calls.length).toBeLessThanOrEqual(4);
    expect(counter.pending).toBe(1);
    await counter.flush(env.RELAY_LOG, NOW + 30_000);
    const rows = await tableRows("refusals");
    expect(rows.reduce((sum, row) => sum + Number(row.count), 0)).toBe(10_000);
    expect(rows).toHaveLength(1);
  });

  it("holds at most its limit of distinct counters: further reasons are counted as other", async () => {
    const counter = new RefusalCounter(10_000, 5);
    for (let i = 0; i < 50; i++) counter.count(refusal(`reason ${i}`), NOW);
    expect(counter.pending).toBe(6);
    await counter.flush(env.RELAY_LOG, NOW);
    const rows = await tableRows("refusals");
    expect(rows.find((row) => row.reason === OVERFLOW_REASON)?.count).toBe(45);
    expect(rows.reduce((sum, row) => sum + Number(row.count), 0)).toBe(50);
  });

  it("adds to the hour's stored count instead of replacing it", async () => {
    const counter = new RefusalCounter(0);
    counter.count(refusal(), NOW);
    await counter.flush(env.RELAY_LOG, NOW);
    counter.count(refusal(), NOW + 60_000);
    counter.count(refusal(), NOW + 120_000);
    await counter.flush(env.RELAY_LOG, NOW + 120_000);
    expect((await tableRows("refusals")).map((row) => row.count)).toEqual([3]);
  });

  it("a queue invocation writes the counts its isolate still holds", async () => {
    refusals.count(refusal("held"), Date.now());
    await consume("meeting-relay-events", [{ kind: "event", event: sampleEvent(), receivedAt: Date.now() }]);
    expect(refusals.pending).toBe(0);
  });
});
