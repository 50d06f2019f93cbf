import { env } from "cloudflare:workers";
import { type DeadLetter, storeDeadLetter } from "../../src/delivery/dead-letters/store";
import { sampleEvent } from "./events";

/** Stores a `failed` dead letter of `target` for the sample event `eventId` (12 attempts, last HTTP 503), as the relay writes one. */
export function bury(target: string, eventId: string, overrides: Partial<DeadLetter> = {}): Promise<DeadLetter> {
  return storeDeadLetter(env.RELAY_STATE, {
    target,
    reason: "failed",
    event: sampleEvent(eventId),
    attempts: 12,
    lastStatus: 503,
    lastError: "HTTP 503",
    firstAttemptAt: "2026-11-20T10:00:00.000Z",
    lastAttemptAt: "2026-11-21T14:00:00.000Z",
    ...overrides,
  });
}
