import type { Relay } from "./relay.ts";
import type { Sink } from "./sink.ts";
import { waitFor } from "./wait.ts";

/** `delivery` outcomes of an attempt that reached the target (the others are the relay's own errors). */
const ATTEMPTS = new Set(["delivered", "failed", "failed-final", "paused"]);
/** Outcomes after which the relay still has a try coming for that (event, target) pair. */
const RETRYING = new Set(["failed", "error", "requeue-failed"]);

export interface SettledOptions {
  /**
   * Exactly how many attempts the relay has made since it started (every request the sink received).
   * More than that fails at once: something was sent twice.
   */
  expected?: number;
  /** Without `expected`: at least this many attempts (default 1), so a pipeline that has not started yet is not settled. */
  minAttempts?: number;
  timeoutMs?: number;
}

/**
 * Waits until no delivery is in flight or scheduled: the relay has made the attempts the caller expects,
 * logged one attempt line for every request the sink received, and no (event, target) pair's last
 * `delivery` line has a retry coming. A bounded wait on a condition, for tests that then prove a negative
 * ("nothing more arrived"). Nothing having happened yet is not settled: that is why a count is needed.
 */
export function settled(
  relay: Relay,
  sink: Sink,
  { expected, minAttempts = 1, timeoutMs = 30_000 }: SettledOptions = {},
): Promise<true> {
  const least = expected ?? minAttempts;
  if (!Number.isInteger(least) || least < 1) {
    throw new Error(`settled() needs at least one attempt to wait for, not ${least}`);
  }
  const wanted = expected === undefined ? `at least ${minAttempts}` : `exactly ${expected}`;
  const attemptLines = () =>
    relay.logLines().filter((line) => line.kind === "delivery" && ATTEMPTS.has(String(line.outcome)));
  return waitFor(
    `${wanted} delivery attempts, each answered, logged and final`,
    () => {
      const lines = relay.logLines().filter((line) => line.kind === "delivery");
      const attempts = attemptLines().length;
      const received = sink.requests().length;
      if (expected !== undefined && Math.max(attempts, received) > expected) {
        throw new Error(
          `expected exactly ${expected} delivery attempts; the sink received ${received}:\n${sink.describe()}`,
        );
      }
      const last = new Map(lines.map((line) => [`${line.id}→${line.target}`, String(line.outcome)]));
      const enough = expected === undefined ? attempts >= minAttempts : attempts === expected;
      return enough && attempts === received && [...last.values()].every((outcome) => !RETRYING.has(outcome));
    },
    {
      timeoutMs,
      explain: () =>
        `the relay logged ${attemptLines().length} attempts; the sink saw ${sink.requests().length} requests`,
    },
  );
}
