import { KV_BULK_GET_KEYS } from "./limits";

/** The ids among `ids` whose key `<prefix><id>` exists in `kv`: one bulk read per 100 keys, not one per id. */
export async function presentAmong(kv: KVNamespace, prefix: string, ids: readonly string[]): Promise<Set<string>> {
  return new Set((await valuesOf(kv, prefix, ids)).keys());
}

/**
 * The values, as text, of the keys `<prefix><id>` that exist, by id: one bulk read per 100 keys. As text,
 * not JSON: one value that is not JSON (put by hand) must not fail the read of the others.
 */
export async function valuesOf(kv: KVNamespace, prefix: string, ids: readonly string[]): Promise<Map<string, string>> {
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += KV_BULK_GET_KEYS) {
    chunks.push(ids.slice(i, i + KV_BULK_GET_KEYS).map((id) => prefix + id));
  }
  const found = await Promise.all(chunks.map((keys) => kv.get(keys, "text")));
  const present = new Map<string, string>();
  for (const values of found) {
    for (const [key, value] of values) if (value !== null) present.set(key.slice(prefix.length), value);
  }
  return present;
}

/**
 * Whether KV refused a write because the key was written less than a second ago (it takes one write per
 * key per second, from any invocation, and answers the next with `429 Too Many Requests`), rather than
 * because it is unavailable.
 */
export function refusedAsTooSoon(error: unknown): boolean {
  return error instanceof Error && /\b429\b|too many requests/i.test(error.message);
}

/** KV's pace for one key: one write per second, from any invocation. */
const KV_KEY_PACE_MS = 1_000;

/** Resolves once KV's second for a key written just now has passed. */
export const kvPaceWait = () => new Promise((resolve) => setTimeout(resolve, KV_KEY_PACE_MS));

/**
 * Runs `write` (one put or delete of one key) and, when KV refuses it as too soon after the key's last
 * write ({@link refusedAsTooSoon}), waits out KV's second and runs it once more: two operations at most.
 * For a record the caller's previous request wrote (a paged resume or bulk replay called again at once),
 * which must not be left behind. Any other failure, or a second refusal, is the caller's.
 */
export async function writeWhenKvAllows(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!refusedAsTooSoon(error)) throw error;
    await kvPaceWait();
    await write();
  }
}
