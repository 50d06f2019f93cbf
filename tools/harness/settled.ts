import type { Relay } from "./relay.ts";
import type { Sink } from "./sink.ts";
import { waitFor } from "./wait.ts";

/** `delivery` outcomes of an attempt that reached the target (the others are the relay's own errors). */
const ATTEMPTS = new Set(["delivered", "failed", "failed-final", "paused"]);
/** Outcomes after which the relay still has a try coming for that (event, target) pair. */
const RETRYING = new Set(["failed", "error", "requeue-failed"]);

/**
 * Waits until no delivery is in flight or scheduled: the relay has logged one attempt line for every
 * request the sink received, and no (event, target) pair's last `delivery` line has a retry coming.
 * A bounded wait on a condition, for tests that then prove a negative ("nothing more arrived").
 */
export function settled(relay: Relay, sink: Sink, timeoutMs = 30_000): Promise<true> {
  return waitFor(
    "every delivery attempt answered, logged and final",
    () => {
      const lines = relay.logLines().filter((line) => line.kind === "delivery");
      const attempts = lines.filter((line) => ATTEMPTS.has(String(line.outcome)));
      const last = new Map(lines.map((line) => [`${line.id}→${line.target}`, String(line.outcome)]));
      return (
        attempts.length === sink.requests().length && [...last.values()].every((outcome) => !RETRYING.has(outcome))
      );
    },
    { timeoutMs, explain: () => `sink saw ${sink.requests().length} requests` },
  );
}
