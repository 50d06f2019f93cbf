/** Cloudflare KV: at most 100 keys in one bulk read. */
const MAX_BULK_KEYS = 100;

/** The ids among `ids` whose key `<prefix><id>` exists in `kv`: one bulk read per 100 keys, not one per id. */
export async function presentAmong(kv: KVNamespace, prefix: string, ids: readonly string[]): Promise<Set<string>> {
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += MAX_BULK_KEYS) {
    chunks.push(ids.slice(i, i + MAX_BULK_KEYS).map((id) => prefix + id));
  }
  const found = await Promise.all(chunks.map((keys) => kv.get(keys, "text")));
  const present = new Set<string>();
  for (const values of found) {
    for (const [key, value] of values) if (value !== null) present.add(key.slice(prefix.length));
  }
  return present;
}
