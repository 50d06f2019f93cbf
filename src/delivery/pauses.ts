import { presentAmong, valuesOf } from "../lib/kv";

/**
 * Paused targets in KV `RELAY_STATE`: `paused:<target id>` → {@link Pause}, no expiry.
 * A target is paused when it answers `410 Gone` or when an operator pauses it; while
 * it is, nothing is sent to it and every delivery it would get is kept as a dead
 * letter with reason `paused`, until an operator resumes it (which replays them).
 * The consumers read the state once per queue batch, in one bulk read, and once more for the
 * targets whose deliveries they are about to keep (see `./hold.ts`), so a resume is never missed.
 */
export const PAUSE_PREFIX = "paused:";

export interface Pause {
  /** When it was paused (ISO 8601). */
  since: string;
  /** `gone`: the target answered 410 or its chat bot refused for good; `operator`: `POST /admin/targets/<id>/pause`. */
  by: "gone" | "operator";
  /** What the target said, when it said more than 410: a chat bot's code and message. */
  reason?: string;
}

/** The ids among `targetIds` that are paused: one bulk KV read per 100 targets. */
export function pausedTargets(state: KVNamespace, targetIds: readonly string[]): Promise<Set<string>> {
  return presentAmong(state, PAUSE_PREFIX, targetIds);
}

export async function readPause(state: KVNamespace, targetId: string): Promise<Pause | null> {
  return state.get<Pause>(PAUSE_PREFIX + targetId, "json");
}

export async function pauseTarget(
  state: KVNamespace,
  targetId: string,
  by: Pause["by"],
  now = Date.now(),
  reason?: string,
) {
  const pause: Pause = { since: new Date(now).toISOString(), by, ...(reason === undefined ? {} : { reason }) };
  await state.put(PAUSE_PREFIX + targetId, JSON.stringify(pause));
  return pause;
}

export async function unpauseTarget(state: KVNamespace, targetId: string): Promise<void> {
  await state.delete(PAUSE_PREFIX + targetId);
}

/** Every paused target with its pause, by target id: one KV list per 1,000 pauses, one bulk read per 100. */
export async function listPauses(state: KVNamespace): Promise<({ target: string } & Pause)[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await state.list({ prefix: PAUSE_PREFIX, ...(cursor === undefined ? {} : { cursor }) });
    for (const key of page.keys) ids.push(key.name.slice(PAUSE_PREFIX.length));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
  const pauses = await valuesOf<Pause>(state, PAUSE_PREFIX, ids, "json");
  return ids.sort().flatMap((target) => {
    const pause = pauses.get(target);
    // Resumed between the list and the read: no longer paused.
    if (pause === undefined) return [];
    return [
      { target, since: pause.since, by: pause.by, ...(pause.reason === undefined ? {} : { reason: pause.reason }) },
    ];
  });
}
