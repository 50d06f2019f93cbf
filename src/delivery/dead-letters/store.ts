import { TARGET_ID_SOURCE } from "../../config/targets-schema";
import type { RelayEvent } from "../../core/cloud-event";
import { log } from "../../core/log";
import { sha256Hex } from "../../lib/crypto";
import { isRecord, jsonValue } from "../../lib/json";
import { valuesOf } from "../../lib/kv";

/**
 * A delivery that will not be attempted again, kept in KV `RELAY_STATE` until an
 * operator replays or deletes it. Never expires.
 */
export interface DeadLetter {
  id: string;
  /** A target id, or {@link ALL_TARGETS} for an event that never reached fan-out. */
  target: string;
  /** Why it is here; records stored before reasons existed have none and mean `failed`. */
  reason: DeadLetterReason;
  event: RelayEvent;
  attempts: number;
  lastStatus: number | null;
  lastError: string;
  firstAttemptAt: string;
  lastAttemptAt: string;
}

/**
 * - `failed`: the schedule (or the queue's retries) ran out;
 * - `paused`: kept while its target is paused (it answered 410, or an operator paused it); resuming the
 *   target replays it;
 * - `disabled`: its target was set `"enabled": false` while the delivery waited for a retry;
 * - `removed`: its target was removed from the document while the delivery waited.
 */
export const DEAD_LETTER_REASONS = ["failed", "paused", "disabled", "removed"] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

export const isDeadLetterReason = (text: string): text is DeadLetterReason =>
  (DEAD_LETTER_REASONS as readonly string[]).includes(text);

/**
 * The target of a dead letter for an event that could not even be fanned out
 * (the targets document was invalid when it reached the dead-letter queue).
 * Not a valid target id, so it never collides with one; replaying it fans the
 * event out again to every matching target.
 */
export const ALL_TARGETS = "*";

/**
 * Key layout: `dead:<target>.<first 24 hex of SHA-256(event id)>`, and the part
 * after `dead:` is the dead letter's id. Target ids cannot contain `.`, so
 * `?target=crm` is the KV prefix list `dead:crm.`.
 */
export const DEAD_LETTER_PREFIX = "dead:";
/** A target id or {@link ALL_TARGETS}: what a dead letter's id starts with, and what a `target` filter takes. */
const TARGET_OR_ALL = `(\\*|${TARGET_ID_SOURCE})`;
const ID_PATTERN = new RegExp(`^${TARGET_OR_ALL}\\.[0-9a-f]{24}$`);
export const TARGET_FILTER_PATTERN = new RegExp(`^${TARGET_OR_ALL}$`);

/** One id per (event, target): a pair that dies again after a replay overwrites its old record. */
export async function deadLetterId(target: string, eventId: string): Promise<string> {
  return `${target}.${(await sha256Hex(eventId)).slice(0, 24)}`;
}

export function isDeadLetterId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/**
 * What a KV list tells about each dead letter without reading it, so a bulk replay or a resume
 * skips the letters its filter does not want for one list call per 1,000 keys. Records stored
 * before it existed have none, and are read to be filtered.
 */
export type DeadLetterMetadata = Pick<DeadLetter, "reason" | "firstAttemptAt" | "lastAttemptAt">;

/** Which dead letters a list, a bulk replay or a resume wants. */
export interface LetterFilter {
  /** Only letters kept for this reason (a record stored before reasons existed means `failed`). */
  reason?: DeadLetterReason | undefined;
  /** Only letters whose last attempt was at or after this time (ms). */
  since?: number | undefined;
  /** Only letters whose last attempt was before this time (ms): not those kept again since a replay began. */
  before?: number | undefined;
}

/** From a key's metadata alone; a key without any (a record from before it existed) has to be read. */
export function mayBeWanted(metadata: Partial<DeadLetterMetadata> | undefined | null, filter: LetterFilter): boolean {
  return !hasMetadata(metadata) || isWanted(metadata, filter);
}

export function hasMetadata(metadata: Partial<DeadLetterMetadata> | undefined | null): metadata is DeadLetterMetadata {
  return typeof metadata?.lastAttemptAt === "string";
}

export function isWanted(letter: Pick<DeadLetter, "reason" | "lastAttemptAt">, filter: LetterFilter): boolean {
  if (filter.reason !== undefined && (letter.reason ?? "failed") !== filter.reason) return false;
  const at = Date.parse(letter.lastAttemptAt);
  return (filter.since === undefined || at >= filter.since) && (filter.before === undefined || !(at >= filter.before));
}

export async function storeDeadLetter(state: KVNamespace, letter: Omit<DeadLetter, "id">): Promise<DeadLetter> {
  const id = await deadLetterId(letter.target, letter.event.id);
  const record: DeadLetter = { id, ...letter };
  const metadata: DeadLetterMetadata = {
    reason: letter.reason,
    firstAttemptAt: letter.firstAttemptAt,
    lastAttemptAt: letter.lastAttemptAt,
  };
  await state.put(DEAD_LETTER_PREFIX + id, JSON.stringify(record), { metadata });
  return record;
}

/**
 * One dead letter by id: `null` when there is none, `"unreadable"` when its record is not one the
 * relay wrote (a value put by hand, say), which can only be deleted.
 */
export async function readDeadLetter(state: KVNamespace, id: string): Promise<DeadLetter | "unreadable" | null> {
  if (!isDeadLetterId(id)) return null;
  // With its mark, in the same bulk read: a record marked replayed was sent, and its removal is queued.
  const found = await state.get([DEAD_LETTER_PREFIX + id, REPLAYED_PREFIX + id], "text");
  const text = found.get(DEAD_LETTER_PREFIX + id);
  if (text == null) return null;
  const letter = deadLetterFrom(text);
  if (letter === undefined) return "unreadable";
  return found.get(REPLAYED_PREFIX + id) === letter.lastAttemptAt ? null : letter;
}

/**
 * A stored record as a dead letter, or `undefined` (with one log line naming its key) when it is not
 * one the relay wrote: not JSON, or without its target and event. Lists and replays pass over it.
 */
export function deadLetterFrom(text: string, key?: string): DeadLetter | undefined {
  const value = jsonValue(text);
  if (
    isRecord(value) &&
    typeof value.target === "string" &&
    isRecord(value.event) &&
    typeof value.event.id === "string"
  )
    return value as unknown as DeadLetter;
  if (key !== undefined) log("dead-letters", { outcome: "unreadable", key });
  return undefined;
}

/**
 * `replayed:<dead letter id>` → the replayed record's `lastAttemptAt`: written when a replay queued a record
 * that KV would not let it delete yet (KV takes one write per key per second, from any invocation, and a retry
 * consumer keeping a delivery just as its target is resumed writes the record a moment before the resume
 * lists it). That consumer may also have queued the delivery again itself, naming the record
 * (`keptAs`); the consumer taking that up finds this, so it removes the record instead of sending it again.
 */
export const REPLAYED_PREFIX = "replayed:";
/** Four days: as long as Queues keeps a message by default, so a replay naming the record finds it however long it waited. */
const REPLAYED_TTL_SECONDS = 4 * 86_400;

/** A mark is written seconds after the record it names, and expires four days later. */
export const MARKS_LAST_MS = 2 * REPLAYED_TTL_SECONDS * 1000;

/** `dead:<id>` → `replayed:<id>`. */
export const markOf = (name: string) => REPLAYED_PREFIX + name.slice(DEAD_LETTER_PREFIX.length);

export async function markReplayed(state: KVNamespace, id: string, lastAttemptAt: string): Promise<void> {
  await state.put(REPLAYED_PREFIX + id, lastAttemptAt, { expirationTtl: REPLAYED_TTL_SECONDS });
}

export async function deleteDeadLetter(state: KVNamespace, id: string): Promise<void> {
  await state.delete(DEAD_LETTER_PREFIX + id);
}

interface DeadLetterPage {
  items: DeadLetter[];
  cursor: string | null;
}

/** The KV prefix of one target's dead letters (`*` included), or of all of them. */
export function deadLetterPrefix(target?: string): string {
  return target === undefined ? DEAD_LETTER_PREFIX : `${DEAD_LETTER_PREFIX}${target}.`;
}

/**
 * One page in key order (by target, then id); `cursor` is null on the last page. One KV list
 * and one bulk read per 100 letters, never one read per letter.
 */
/**
 * One page of `limit` keys, oldest id order; with `reason`, only the letters kept for it (a record
 * stored before reasons existed means `failed`), so a page may hold fewer than `limit` items, or none,
 * and still have a cursor. The key's metadata names the reason: only wanted letters are read.
 */
export async function listDeadLetters(
  state: KVNamespace,
  {
    target,
    reason,
    cursor,
    limit,
  }: { target?: string | undefined; reason?: DeadLetterReason | undefined; cursor?: string | undefined; limit: number },
): Promise<DeadLetterPage> {
  const page = await state.list<Partial<DeadLetterMetadata>>({
    prefix: deadLetterPrefix(target),
    limit,
    ...(cursor === undefined ? {} : { cursor }),
  });
  // A key without metadata (stored before it existed) is read and filtered on its record.
  const keys = page.keys.filter((key) => mayBeWanted(key.metadata, { reason }));
  const names = keys.map((key) => key.name);
  // With the mark of each letter recent enough to carry one: a letter marked replayed was sent, its removal queued.
  const now = Date.now();
  const marks = keys
    .filter((key) => now - Date.parse(key.metadata?.lastAttemptAt as string) < MARKS_LAST_MS)
    .map((key) => markOf(key.name));
  const records = await valuesOf(state, "", [...names, ...marks]);
  return {
    // A record deleted between the list and the read is simply gone.
    items: names.flatMap((name) => {
      const text = records.get(name);
      // Not one the relay wrote (say, a value put by hand): one log line, and the rest of the page still lists.
      const letter = text === undefined ? undefined : deadLetterFrom(text, name);
      const sent = letter !== undefined && records.get(markOf(name)) === letter.lastAttemptAt;
      return letter !== undefined && isWanted(letter, { reason }) && !sent ? [letter] : [];
    }),
    cursor: page.list_complete ? null : page.cursor,
  };
}
