import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PROVIDER_NAMES } from "../../src/core/cloud-event";
import { HOUR_MS } from "../../src/event-log/counter";
import {
  MAX_REFUSAL_ROWS,
  OVERFLOW_REASON,
  RefusalCounter,
  refusals,
  UNCONFIGURED_ACCOUNT,
} from "../../src/event-log/refusals";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { loggedLines } from "../support/log";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";
import { SEED_DATA, tencentCheckRequest, tencentEventRequest } from "../support/tencent-meeting";
import { whiteboardEvent, whiteboardRequest } from "../support/tencent-whiteboard";
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
    const forged = () => tencentEventRequest(SEED_DATA, { signature: "0".repeat(40) });
    const healthy = await callWorker(await forged());
    const batch = vi.spyOn(env.RELAY_LOG, "batch").mockRejectedValue(new Error("D1_ERROR: unavailable"));
    // The counter writes at most once per interval: a new one, so this refusal's write is due now.
    vi.spyOn(refusals, "count").mockReturnValueOnce(true);
    const { result, lines } = await loggedLines(async () => callWorker(await forged()));
    expect(batch).toHaveBeenCalledTimes(1);
    expect(result.response.status).toBe(healthy.response.status);
    expect(await result.response.json()).toEqual(await healthy.response.json());
    expect(lines.filter((line) => line.kind === "event-log")).toEqual([
      expect.objectContaining({ outcome: "write-failed", reason: "D1_ERROR: unavailable", table: "refusals" }),
    ]);
    expect(lines.filter((line) => line.kind === "ingest")).toEqual([
      expect.objectContaining({ outcome: "rejected", status: 401, reason: "signature mismatch" }),
    ]);
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

/** A forged callback to an account that has no credentials, one of several kinds so the refusals vary. */
async function forged(i: number): Promise<Request> {
  const provider = PROVIDER_NAMES[i % PROVIDER_NAMES.length] ?? "yunhuni";
  const path = `/webhooks/${provider}/probe_${i}`;
  switch (Math.floor(i / PROVIDER_NAMES.length) % 3) {
    case 0:
      return new Request(`http://relay.test${path}`, { method: ["PUT", "PATCH", "DELETE", "OPTIONS"][i % 4] ?? "PUT" });
    case 1:
      return new Request(`http://relay.test${path}`, { method: "POST", body: "[]" });
    default:
      if (provider === "tencent-meeting") return tencentCheckRequest("Y2hlY2s", { path, signature: "0".repeat(40) });
      if (provider === "huawei-meeting") {
        return huaweiRequest(huaweiEventInfo("meeting.started"), { path, signature: "0".repeat(64) });
      }
      if (provider === "yunhuni") return yunhuniRequest(yunhuniNotification("conf.end"), { path, token: `t${i}` });
      return whiteboardRequest(whiteboardEvent("TranscodeFinished", { TaskId: `${i}` }), {
        path,
        sign: "0".repeat(32),
      });
  }
}

describe("a forged flood has a bounded cost", () => {
  it("1,201 forged callbacks to 1,201 accounts without credentials write at most the cap in rows, none uncounted", async () => {
    for (let i = 0; i < 1201; i++) {
      const { response, enqueued } = await callWorker(await forged(i), {}, { passThrough: false });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(enqueued).toEqual([]);
    }
    await refusals.flush(env.RELAY_LOG);
    const rows = await tableRows("refusals");
    expect(rows.length).toBeLessThanOrEqual(MAX_REFUSAL_ROWS);
    expect(rows.reduce((sum, row) => sum + Number(row.count), 0)).toBe(1201);
    // Every one of them under the one account that stands for all accounts without credentials.
    expect(new Set(rows.map((row) => row.account))).toEqual(new Set([UNCONFIGURED_ACCOUNT]));
    expect(JSON.stringify(rows)).not.toContain("probe_");
  });

  it("overflow keys drop the account: 10,000 distinct accounts and reasons hold at most the cap", async () => {
    const counter = new RefusalCounter(10_000);
    for (let i = 0; i < 10_000; i++) {
      counter.count({ provider: "yunhuni", account: `acct_${i}`, status: 401, reason: `reason ${i}` }, NOW);
    }
    expect(counter.pending).toBeLessThanOrEqual(MAX_REFUSAL_ROWS);
    await counter.flush(env.RELAY_LOG, NOW);
    const rows = await tableRows("refusals");
    expect(rows.length).toBeLessThanOrEqual(MAX_REFUSAL_ROWS);
    expect(rows.reduce((sum, row) => sum + Number(row.count), 0)).toBe(10_000);
    expect(rows.filter((row) => row.reason === OVERFLOW_REASON)).toHaveLength(1);
  });

  it("writes at most the cap in rows per interval, whatever arrives; the rest waits for the next interval", async () => {
    const counter = new RefusalCounter(10_000);
    const flood = (from: number, at: number) => {
      // Every provider, many statuses and three hours: more overflow keys than the cap.
      for (let i = from; i < from + 5_000; i++) {
        const provider = PROVIDER_NAMES[i % PROVIDER_NAMES.length] ?? "";
        counter.count({ provider, account: `a${i}`, status: 400 + (i % 60), reason: `r${i}` }, at + (i % 3) * HOUR_MS);
      }
    };
    flood(0, NOW);
    expect(counter.pending).toBeLessThanOrEqual(MAX_REFUSAL_ROWS);
    await counter.flush(env.RELAY_LOG, NOW);
    const first = (await tableRows("refusals")).length;
    expect(first).toBeLessThanOrEqual(MAX_REFUSAL_ROWS);
    // A second flood within the same interval: nothing more is written until the interval ends.
    flood(5_000, NOW);
    await counter.flush(env.RELAY_LOG, NOW + 1_000);
    expect(await tableRows("refusals")).toHaveLength(first);
    await counter.flush(env.RELAY_LOG, NOW + 10_000);
    const rows = await tableRows("refusals");
    expect(rows.length - first).toBeLessThanOrEqual(MAX_REFUSAL_ROWS);
  });

  it("refusal counts go in a D1 batch of their own: when it fails, the invocation's events and attempts are written", async () => {
    mockFetch(() => new Response(null, { status: 204 }));
    await useTargets([{ id: "crm", url: "https://crm.example.com/in" }]);
    refusals.count(refusal("held"), Date.now());
    const refusalStatements = new Set<D1PreparedStatement>();
    const drain = refusals.drain.bind(refusals);
    vi.spyOn(refusals, "drain").mockImplementation((db, now) => {
      const statements = drain(db, now);
      for (const statement of statements) refusalStatements.add(statement);
      return statements;
    });
    const batch = env.RELAY_LOG.batch.bind(env.RELAY_LOG);
    const batches = vi
      .spyOn(env.RELAY_LOG, "batch")
      .mockImplementation((statements) =>
        statements.some((statement) => refusalStatements.has(statement))
          ? Promise.reject(new Error("D1_ERROR: refusals unavailable"))
          : batch(statements),
      );
    const run = await consume("meeting-relay-events", [
      { kind: "event", event: sampleEvent(), receivedAt: Date.now() },
    ]);
    expect(run.acked).toEqual(["m0"]);
    expect((await tableRows("events")).map((row) => row.id)).toEqual([sampleEvent().id]);
    // Delivered at the first attempt: recorded in the event's own row.
    expect(JSON.parse((await tableRows("events"))[0]?.deliveries as string)).toMatchObject({
      crm: { o: "delivered", n: 1 },
    });
    // The refusal batch was tried, on its own, and failed: only its counts are lost.
    expect(refusalStatements.size).toBeGreaterThan(0);
    expect(batches).toHaveBeenCalledTimes(2);
    expect(await tableRows("refusals")).toEqual([]);
  });
});
