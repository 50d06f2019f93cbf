import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Relay, Sink } from "../../tools/harness/index.ts";
import { settled } from "../../tools/harness/settled.ts";

/** What the e2e harness's settled() reads: the relay's log lines and the sink's requests, set by each test. */
let lines: Record<string, unknown>[];
let received: number;
const relay = { logLines: () => lines } as unknown as Relay;
const sink = { requests: () => Array.from({ length: received }), describe: () => "" } as unknown as Sink;

const attempt = (id: string, outcome: string) => ({ kind: "delivery", id, target: "a", attempt: 1, outcome });

/** Whether `promise` has settled once every timer due in the next `ms` has run (on a fake clock). */
async function outcomeAfter(promise: Promise<unknown>, ms: number): Promise<"resolved" | "rejected" | "pending"> {
  let state: "resolved" | "rejected" | "pending" = "pending";
  promise.then(
    () => (state = "resolved"),
    () => (state = "rejected"),
  );
  await vi.advanceTimersByTimeAsync(ms);
  return state;
}

beforeEach(() => {
  vi.useFakeTimers();
  lines = [];
  received = 0;
});
afterEach(() => vi.useRealTimers());

describe("settled(): the e2e harness's wait for a quiet pipeline", () => {
  it("is not settled before anything has happened: it waits for a first attempt", async () => {
    const waiting = settled(relay, sink, { timeoutMs: 1_000 });
    expect(await outcomeAfter(waiting, 500)).toBe("pending");
    lines = [attempt("e1", "delivered")];
    received = 1;
    expect(await outcomeAfter(waiting, 200)).toBe("resolved");
  });

  it("times out when no attempt ever comes, saying what it waited for", async () => {
    const waiting = settled(relay, sink, { timeoutMs: 1_000 });
    const failure = expect(waiting).rejects.toThrow(
      "timed out after 1000 ms waiting for at least 1 delivery attempts, each answered, logged and final\n" +
        "the relay logged 0 attempts; the sink saw 0 requests",
    );
    await vi.advanceTimersByTimeAsync(1_200);
    await failure;
  });

  it("with an expected count, waits for exactly that many", async () => {
    const waiting = settled(relay, sink, { expected: 2 });
    lines = [attempt("e1", "delivered")];
    received = 1;
    expect(await outcomeAfter(waiting, 500)).toBe("pending");
    lines = [...lines, attempt("e2", "delivered")];
    received = 2;
    expect(await outcomeAfter(waiting, 200)).toBe("resolved");
  });

  it("fails at once when the sink received more than expected", async () => {
    lines = [attempt("e1", "delivered"), attempt("e1", "delivered")];
    received = 2;
    await expect(settled(relay, sink, { expected: 1 })).rejects.toThrow(
      "expected exactly 1 delivery attempts; the sink received 2",
    );
  });

  it("is not settled while a pair has a retry coming, nor while a request is not yet logged", async () => {
    lines = [attempt("e1", "failed")];
    received = 2;
    const waiting = settled(relay, sink);
    expect(await outcomeAfter(waiting, 500)).toBe("pending");
    lines = [...lines, attempt("e1", "delivered")];
    expect(await outcomeAfter(waiting, 200)).toBe("resolved");
  });

  it.each([0, -1, 1.5])("refuses to wait for %s attempts", (count) => {
    expect(() => settled(relay, sink, { minAttempts: count })).toThrow(
      `settled() needs at least one attempt to wait for, not ${count}`,
    );
    expect(() => settled(relay, sink, { expected: count })).toThrow(
      `settled() needs at least one attempt to wait for, not ${count}`,
    );
  });
});
