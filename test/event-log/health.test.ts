import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AttemptRecord } from "../../src/event-log/journal";
import { sampleEvent } from "../support/events";
import { adminCall, logRows, resetAll } from "./support";

const event = sampleEvent("tencent-meeting:health:0");
const request = (attempt: number, status: number, at: number): AttemptRecord => ({
  event,
  target: "up",
  attempt,
  status,
  error: status < 300 ? null : `HTTP ${status}`,
  durationMs: 10,
  at,
  outcome: status < 300 ? "delivered" : "retry",
});

async function upHealth() {
  const stats = await adminCall("GET", "/admin/stats");
  const { lastSuccessAt, failuresInARow } = (
    stats.body.targets as Record<string, { lastSuccessAt: string | null; failuresInARow: number }>
  ).up ?? { lastSuccessAt: null, failuresInARow: -1 };
  return { lastSuccessAt, failuresInARow };
}

beforeEach(resetAll);
afterEach(() => vi.restoreAllMocks());

describe("a target's health", () => {
  it("is healthy again after a success that follows failures within a minute of the success before them", async () => {
    const now = Date.now();
    await logRows([], [request(1, 204, now - 3_000)]);
    await logRows([], [request(1, 503, now - 2_000)]);
    expect(await upHealth()).toEqual({ lastSuccessAt: new Date(now - 3_000).toISOString(), failuresInARow: 1 });
    await logRows([], [request(2, 204, now - 1_000)]);
    expect(await upHealth()).toEqual({ lastSuccessAt: new Date(now - 1_000).toISOString(), failuresInARow: 0 });
  });

  it("is healthy again after a success that follows one whose write failed", async () => {
    const now = Date.now();
    await logRows([], [request(1, 503, now - 3_000)]);
    vi.spyOn(env.RELAY_LOG, "batch").mockRejectedValueOnce(new Error("D1_ERROR: overloaded"));
    await logRows([], [request(2, 204, now - 2_000)]);
    expect(await upHealth()).toEqual({ lastSuccessAt: null, failuresInARow: 1 });
    await logRows([], [request(1, 204, now - 1_000)]);
    expect(await upHealth()).toEqual({ lastSuccessAt: new Date(now - 1_000).toISOString(), failuresInARow: 0 });
  });
});
