import { env } from "cloudflare:workers";
import { afterEach } from "vitest";
import { PRODUCTION } from "./limits";
import { countOperation, currentInvocation, type Invocation, refuse } from "./operations";

const {
  kvBulkGetKeys: KV_BULK_GET_KEYS,
  kvKeyBytes: KV_KEY_BYTES,
  kvListKeys: KV_LIST_KEYS,
  kvMetadataBytes: KV_METADATA_BYTES,
  kvMinTtlSeconds: KV_MIN_TTL_SECONDS,
  kvValueBytes: KV_VALUE_BYTES,
} = PRODUCTION;

/**
 * Workers KV as strict as production: keys over 512 bytes, a bulk get of more than 100 keys,
 * a list of more than 1,000, values over 25 MiB, metadata over 1,024 bytes (as JSON) and TTLs
 * under 60 s are refused, and so is a second write to one key within a second in one invocation
 * (KV takes one write per key per second); from another invocation, that write is answered with
 * KV's 429 (see {@link aSecondPasses}). Each call is one operation of the invocation (a bulk get too, as Cloudflare counts it). A list
 * from a cursor KV never gave fails, as production's does (an error, not a broken limit).
 */
const prototype = Object.getPrototypeOf(env.RELAY_STATE) as KVNamespace;
const real = {
  get: prototype.get,
  getWithMetadata: prototype.getWithMetadata,
  put: prototype.put,
  delete: prototype.delete,
  list: prototype.list,
};

function checkKey(operation: string, key: unknown): void {
  const bytes = new TextEncoder().encode(String(key)).byteLength;
  if (bytes > KV_KEY_BYTES) refuse(`KV ${operation}: a key of ${bytes} bytes exceeds ${KV_KEY_BYTES}`);
  if (bytes === 0) refuse(`KV ${operation}: an empty key`);
}

function checkKeys(operation: string, keys: unknown): void {
  if (!Array.isArray(keys)) {
    checkKey(operation, keys);
    return;
  }
  if (keys.length > KV_BULK_GET_KEYS)
    refuse(`KV ${operation}: ${keys.length} keys in one bulk get exceed ${KV_BULK_GET_KEYS}`);
  for (const key of keys) checkKey(operation, key);
}

function valueBytes(value: unknown): number {
  if (typeof value === "string") return new TextEncoder().encode(value).byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  return 0; // a stream: its length is not known here
}

/** Every cursor a list has answered with: the only ones a list takes back. */
const issuedCursors = new Set<string>();

/** The keys each invocation wrote, and when (ms). */
const writtenIn = new WeakMap<Invocation, Map<string, number>>();

/** When each key was last written, and by which invocation: what the rate across invocations is read from. */
const lastWrites = new Map<string, { at: number; by: Invocation }>();

/**
 * A second passes for KV, without waiting for it: every key may be written again. A test calls it where
 * the world it models has time between two steps (an operator who pauses a target and resumes it later,
 * Queues redelivering a message after its retry delay); without it, a write to a key that another
 * invocation wrote less than a second ago fails as production's does, with KV's 429 (the relay's to
 * handle, not a broken limit). Within one invocation a second write within a second is refused as a broken
 * limit (the relay's own doing). The relay's own clock does not move.
 */
export function aSecondPasses(): void {
  lastWrites.clear();
}

afterEach(() => {
  lastWrites.clear();
});

/** KV's pace for one key: one write per second. */
const PACE_MS = 1000;

/**
 * A write of `key` as KV takes it: a second write within a second from the same invocation is refused as a
 * broken limit (the relay's own doing); one from another invocation is answered with KV's 429, which the
 * caller gets as a rejected promise. Only a write KV takes is remembered.
 */
function write(operation: string, key: string): Error | undefined {
  const invocation = currentInvocation();
  if (invocation === undefined) return undefined;
  const now = Date.now();
  const written = writtenIn.get(invocation) ?? new Map<string, number>();
  writtenIn.set(invocation, written);
  const ownLast = written.get(key);
  if (ownLast !== undefined && now - ownLast < PACE_MS)
    refuse(
      `KV ${operation}: "${key}" written twice in one invocation within a second (KV takes 1 write per key per second)`,
    );
  const last = lastWrites.get(key);
  if (last !== undefined && last.by !== invocation && now - last.at < PACE_MS) {
    return new Error(`KV ${operation.toUpperCase()} failed: 429 Too Many Requests`);
  }
  written.set(key, now);
  lastWrites.set(key, { at: now, by: invocation });
  return undefined;
}

export function installKvDouble(): void {
  prototype.get = function get(this: KVNamespace, key: unknown, ...rest: unknown[]) {
    countOperation("kv.get");
    checkKeys("get", key);
    return (real.get as (...args: unknown[]) => unknown).call(this, key, ...rest);
  } as KVNamespace["get"];
  prototype.getWithMetadata = function getWithMetadata(this: KVNamespace, key: unknown, ...rest: unknown[]) {
    countOperation("kv.getWithMetadata");
    checkKeys("getWithMetadata", key);
    return (real.getWithMetadata as (...args: unknown[]) => unknown).call(this, key, ...rest);
  } as KVNamespace["getWithMetadata"];
  prototype.put = function put(this: KVNamespace, key: string, value: unknown, options?: KVNamespacePutOptions) {
    countOperation("kv.put");
    checkKey("put", key);
    const bytes = valueBytes(value);
    if (bytes > KV_VALUE_BYTES) refuse(`KV put: a value of ${bytes} bytes exceeds ${KV_VALUE_BYTES}`);
    if (options?.metadata != null) {
      const metadataBytes = new TextEncoder().encode(JSON.stringify(options.metadata)).byteLength;
      if (metadataBytes > KV_METADATA_BYTES)
        refuse(`KV put: metadata of ${metadataBytes} bytes exceeds ${KV_METADATA_BYTES}`);
    }
    if (options?.expirationTtl !== undefined && !(options.expirationTtl >= KV_MIN_TTL_SECONDS)) {
      refuse(`KV put: expirationTtl ${options.expirationTtl} is under ${KV_MIN_TTL_SECONDS} seconds`);
    }
    if (options?.expiration !== undefined && !(options.expiration >= Date.now() / 1000 + KV_MIN_TTL_SECONDS)) {
      refuse(`KV put: expiration ${options.expiration} is less than ${KV_MIN_TTL_SECONDS} seconds away`);
    }
    const refused = write("put", key);
    if (refused) return Promise.reject(refused);
    return (real.put as (...args: unknown[]) => Promise<void>).call(this, key, value, options);
  } as KVNamespace["put"];
  prototype.delete = function del(this: KVNamespace, key: string) {
    countOperation("kv.delete");
    checkKey("delete", key);
    const refused = write("delete", key);
    if (refused) return Promise.reject(refused);
    return real.delete.call(this, key);
  };
  prototype.list = function list(this: KVNamespace, options?: KVNamespaceListOptions) {
    countOperation("kv.list");
    if (options?.limit !== undefined && !(options.limit >= 1 && options.limit <= KV_LIST_KEYS)) {
      refuse(`KV list: limit ${options.limit} is not from 1 to ${KV_LIST_KEYS}`);
    }
    if (options?.prefix) checkKey("list prefix", options.prefix);
    if (options?.cursor != null && !issuedCursors.has(options.cursor))
      return Promise.reject(new Error(`KV list: "${options.cursor}" is not a cursor KV gave`));
    return real.list.call(this, options).then((page) => {
      if (!page.list_complete) issuedCursors.add(page.cursor);
      return page;
    });
  } as KVNamespace["list"];
}
