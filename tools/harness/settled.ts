import type { Relay } from "./relay.ts";
import type { Sink } from "./sink.ts";
import { waitFor } from "./wait.ts";

/**
 * Waits until no delivery is in flight or scheduled: the relay has logged one `delivery` line for every
 * request the sink received, and every (event, target) pair's last line is final (`delivered` or
 * `failed-final`), not a `failed` that still has a retry coming. A bounded wait on a condition, for
 * tests that then prove a negative ("nothing more arrived").
 */
export function settled(relay: Relay, sink: Sink, timeoutMs = 30_000): Promise<true> {
  return waitFor(
    "every delivery attempt answered, logged and final",
    () => {
      const lines = relay.logLines().filter((line) => line.kind === "delivery");
      const last = new Map(lines.map((line) => [`${line.id}→${line.target}`, line.outcome]));
      return lines.length === sink.requests().length && [...last.values()].every((outcome) => outcome !== "failed");
    },
    { timeoutMs, explain: () => `sink saw ${sink.requests().length} requests` },
  );
}
