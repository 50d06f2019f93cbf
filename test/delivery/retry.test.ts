import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_SCHEDULE } from "../../src/core/settings";
import { jitterSeconds, nextDelaySeconds } from "../../src/delivery/retry";
import { parseRetryAfter } from "../../src/delivery/retry-after";

const zero = () => 0;

describe("nextDelaySeconds", () => {
  it("allows one attempt more than the schedule has delays", () => {
    const schedule = [1, 2, 3];
    expect([1, 2, 3, 4].map((attempts) => nextDelaySeconds(attempts, schedule, undefined, zero))).toEqual([
      1,
      2,
      3,
      null,
    ]);
    expect(nextDelaySeconds(0, schedule, undefined, zero)).toBeNull();
  });

  it("walks the default schedule: 12 attempts over about 28 hours", () => {
    const delays = DEFAULT_RETRY_SCHEDULE.map((_, i) =>
      nextDelaySeconds(i + 1, DEFAULT_RETRY_SCHEDULE, undefined, zero),
    );
    expect(delays).toEqual([10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200]);
    expect(nextDelaySeconds(12, DEFAULT_RETRY_SCHEDULE, undefined, zero)).toBeNull();
    const total = delays.reduce((sum: number, delay) => sum + (delay ?? 0), 0);
    expect(total / 3600).toBeCloseTo(27.9, 1);
  });

  it("lets Retry-After lengthen a delay (used exactly, without jitter), never shorten it", () => {
    expect(nextDelaySeconds(2, [10, 600], 5, () => 0.99)).toBe(659);
    expect(nextDelaySeconds(2, [10, 600], 0, () => 0)).toBe(600);
    expect(nextDelaySeconds(2, [10, 600], 600, () => 0.99)).toBe(600);
    expect(nextDelaySeconds(1, [10, 600], 3600, () => 0.99)).toBe(3600);
    expect(nextDelaySeconds(3, [10, 600], 3600, () => 0.99)).toBeNull();
  });

  it("adds at most 10 % jitter, never past 12 hours, and none below 20 s", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 43_200 }), fc.double({ min: 0, max: 1, noNaN: true }), (delay, r) => {
        const next = nextDelaySeconds(1, [delay], undefined, () => r) as number;
        expect(Number.isInteger(next)).toBe(true);
        expect(next).toBeGreaterThanOrEqual(delay);
        expect(next).toBeLessThanOrEqual(Math.min(delay * 1.1, 43_200));
        if (delay < 20) expect(next).toBe(delay);
      }),
    );
    expect(jitterSeconds(300, () => 0.999)).toBe(29);
    expect(jitterSeconds(300, () => 1)).toBe(29);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-21T10:00:00Z");

  it.each([
    ["120", 120],
    [" 7 ", 7],
    ["0", 0],
    ["43201", 43_200],
    ["99999999999999999999", 43_200],
    ["Sat, 21 Nov 2026 10:01:30 GMT", 90],
    ["Saturday, 21-Nov-26 10:01:30 GMT", 90],
    ["Sat Nov 21 10:01:30 2026", 90],
    ["Fri, 20 Nov 2026 10:00:00 GMT", 0],
    ["Sun, 22 Nov 2026 10:00:01 GMT", 43_200],
    ["-5", undefined],
    ["1.5", undefined],
    ["later", undefined],
    ["", undefined],
  ])("%j → %s", (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });

  it("is undefined when absent", () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
