import { KV_BULK_GET_KEYS } from "./limits";

/** The ids among `ids` whose key `<prefix><id>` exists in `kv`: one bulk read per 100 keys, not one per id. */
export async function presentAmong(kv: KVNamespace, prefix: string, ids: readonly string[]): Promise<Set<string>> {
  return new Set((await valuesOf(kv, prefix, ids, "text")).keys());
}

/** The values (as text, or parsed JSON) of the keys `<prefix><id>` that exist, by id: one bulk read per 100 keys. */
export async function valuesOf<T>(
  kv: KVNamespace,
  prefix: string,
  ids: readonly string[],
  type: "text" | "json",
): Promise<Map<string, T>> {
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += KV_BULK_GET_KEYS) {
    chunks.push(ids.slice(i, i + KV_BULK_GET_KEYS).map((id) => prefix + id));
  }
  const found = await Promise.all(
    chunks.map((keys) =>
      type === "json" ? kv.get<T>(keys, "json") : (kv.get(keys, "text") as Promise<Map<string, T | null>>),
    ),
  );
  const present = new Map<string, T>();
  for (const values of found) {
    for (const [key, value] of values) if (value !== null) present.set(key.slice(prefix.length), value);
  }
  return present;
}
