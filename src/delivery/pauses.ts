import { log } from "../core/log";
import { isRecord, jsonValue } from "../lib/json";
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

/** Whether `targetId` is paused: its key exists, whatever it holds. */
export async function isPaused(state: KVNamespace, targetId: string): Promise<boolean> {
  return (await state.get(PAUSE_PREFIX + targetId, "text")) !== null;
}

/**
 * A pause as listed: its record as the relay wrote it. A record put by hand (not JSON, or of another
 * shape) pauses its target all the same (the key is the pause); what it cannot say is `null`, and
 * one log line names its key.
 */
interface ListedPause {
  since: string | null;
  by: Pause["by"] | null;
  reason?: string;
}

export function pauseFrom(text: string, key: string): ListedPause {
  const value = jsonValue(text);
  const { since, by, reason } = isRecord(value) ? value : {};
  const pause: ListedPause = {
    since: typeof since === "string" && !Number.isNaN(Date.parse(since)) ? since : null,
    by: by === "gone" || by === "operator" ? by : null,
    ...(typeof reason === "string" ? { reason } : {}),
  };
  if (pause.since === null || pause.by === null) log("pauses", { outcome: "unreadable", key });
  return pause;
}

/**
 * Pauses `targetId`. One already paused (by another consumer a moment ago, or earlier) keeps its pause
 * as it is, when, by whom and why: `kept` says so, and its pause was reported when it was written.
 */
export async function pauseTarget(
  state: KVNamespace,
  targetId: string,
  by: Pause["by"],
  now = Date.now(),
  reason?: string,
): Promise<Pause & { kept?: true }> {
  const key = PAUSE_PREFIX + targetId;
  const stored = await state.get(key, "text");
  const listed = stored === null ? undefined : pauseFrom(stored, key);
  if (listed?.since && listed.by) return { ...(listed as Pause), kept: true };
  const pause: Pause = { since: new Date(now).toISOString(), by, ...(reason === undefined ? {} : { reason }) };
  await state.put(key, JSON.stringify(pause));
  return pause;
}

export async function unpauseTarget(state: KVNamespace, targetId: string): Promise<void> {
  await state.delete(PAUSE_PREFIX + targetId);
}

/** One page of {@link listPauses}: the pauses, and the cursor of the next page (`null`: none left). */
interface PausePage {
  paused: ({ target: string } & ListedPause)[];
  cursor: string | null;
}

/**
 * Up to `limit` (at most 1,000) paused targets with their pauses, by target id, from `cursor`: one KV
 * list and one bulk read per 100, so a request costs the same however many targets are paused.
 */
export async function listPauses(state: KVNamespace, limit: number, cursor?: string): Promise<PausePage> {
  const page = await state.list({ prefix: PAUSE_PREFIX, limit, ...(cursor === undefined ? {} : { cursor }) });
  const ids = page.keys.map((key) => key.name.slice(PAUSE_PREFIX.length));
  const pauses = await valuesOf(state, PAUSE_PREFIX, ids);
  return {
    // KV lists keys in order, so the pages follow one another by target id.
    paused: ids.flatMap((target) => {
      const text = pauses.get(target);
      // Resumed between the list and the read: no longer paused.
      return text === undefined ? [] : [{ target, ...pauseFrom(text, PAUSE_PREFIX + target) }];
    }),
    cursor: page.list_complete ? null : page.cursor,
  };
}
