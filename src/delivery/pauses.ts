import { presentAmong } from "../lib/kv";

/**
 * Paused targets in KV `RELAY_STATE`: `paused:<target id>` → {@link Pause}, no expiry.
 * A target is paused when it answers `410 Gone` or when an operator pauses it; while
 * it is, nothing is sent to it and every delivery it would get is kept as a dead
 * letter with reason `paused`, until an operator resumes it (which replays them).
 * The consumers read the state once per queue batch, in one bulk read.
 */
export const PAUSE_PREFIX = "paused:";

export interface Pause {
  /** When it was paused (ISO 8601). */
  since: string;
  /** `gone`: the target answered 410; `operator`: `POST /admin/targets/<id>/pause`. */
  by: "gone" | "operator";
}

/** The ids among `targetIds` that are paused: one bulk KV read per 100 targets. */
export function pausedTargets(state: KVNamespace, targetIds: readonly string[]): Promise<Set<string>> {
  return presentAmong(state, PAUSE_PREFIX, targetIds);
}

export async function readPause(state: KVNamespace, targetId: string): Promise<Pause | null> {
  return state.get<Pause>(PAUSE_PREFIX + targetId, "json");
}

export async function pauseTarget(state: KVNamespace, targetId: string, by: Pause["by"], now = Date.now()) {
  const pause: Pause = { since: new Date(now).toISOString(), by };
  await state.put(PAUSE_PREFIX + targetId, JSON.stringify(pause));
  return pause;
}

export async function unpauseTarget(state: KVNamespace, targetId: string): Promise<void> {
  await state.delete(PAUSE_PREFIX + targetId);
}
