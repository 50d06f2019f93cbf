/**
 * How many queued messages wait for a valid configuration, and since when, so that the admin API
 * and the console can say so. While the targets document is invalid each waiting message comes back
 * every CONFIG_RETRY_SECONDS; an isolate that sees them notes the distinct ones of the last two
 * rounds in memory and writes the count to KV `RELAY_STATE` at most once per WRITE_EVERY_MS (one
 * small write, never one per message). The count is approximate: several consumer isolates each
 * write what they saw, and the last write wins.
 */

/** KV `RELAY_STATE` key of the note; it expires by itself once nothing waits any more. */
export const WAITING_KEY = "config-invalid:waiting";
/** KV's shortest expiration; a note older than this says nothing about now. */
const NOTE_TTL_SECONDS = 120;
const WRITE_EVERY_MS = 10_000;
/** Ids remembered per isolate; past this the count says "at least". */
const MAX_REMEMBERED = 10_000;

interface WaitingNote {
  count: number;
  /** ISO time the oldest waiting message was first queued. */
  since: string;
}

let seen = new Map<string, number>();
let lastWrite = 0;

/** Notes the messages of a batch that wait for a valid configuration; a KV failure is only swallowed. */
export async function noteWaiting(
  state: KVNamespace,
  messages: readonly { id: string; timestamp: Date }[],
  windowMs: number,
  now = Date.now(),
): Promise<void> {
  for (const [id, at] of seen) if (now - at > 2 * windowMs) seen.delete(id);
  for (const message of messages) {
    if (seen.size >= MAX_REMEMBERED && !seen.has(message.id)) break;
    seen.set(message.id, message.timestamp.getTime());
  }
  if (now - lastWrite < WRITE_EVERY_MS || seen.size === 0) return;
  lastWrite = now;
  const note: WaitingNote = { count: seen.size, since: new Date(Math.min(...seen.values())).toISOString() };
  await state.put(WAITING_KEY, JSON.stringify(note), { expirationTtl: NOTE_TTL_SECONDS }).catch(() => {});
}

/** What the last note says, or null (none lately, or unreadable). */
export async function readWaiting(state: KVNamespace): Promise<WaitingNote | null> {
  try {
    const note = await state.get<Partial<WaitingNote>>(WAITING_KEY, "json");
    if (typeof note?.count !== "number" || typeof note.since !== "string") return null;
    return { count: note.count, since: note.since };
  } catch {
    return null;
  }
}

/** For tests: forget this isolate's memory. */
export function forgetWaiting(): void {
  seen = new Map();
  lastWrite = 0;
}
