import { RelayError, StateRefusedError } from "../core/errors";

/**
 * An admin write to KV, answered 503 `state_unavailable` with `Retry-After: 1` when KV refuses it. KV takes
 * one write per key per second, so an operator who pauses a target and resumes it at once (or saves the
 * targets twice in a second) meets the 429 KV answers the second write; that, or KV being down, changes
 * nothing and is worth one more try, never a 500. `what` names what was not stored.
 */
export async function stateWrite<T>(write: () => Promise<T>, what: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof RelayError) throw error;
    throw new StateRefusedError(
      `${what} was not stored: KV refused the write (it takes one write per key per second) or could not be reached; nothing changed, try again in a second`,
    );
  }
}
