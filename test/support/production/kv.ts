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
 * under 60 s are refused, and so is a
 * second write to one key in one invocation (KV takes one write per key per second; across
 * invocations, see {@link kvWritesOncePerSecondAcrossInvocations}). Each
 * call is one operation of the invocation (a bulk get too, as Cloudflare counts it). A list
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

const writtenIn = new WeakMap<Invocation, Set<string>>();

/** When each key was last written, and by which invocation: what the rate across invocations is read from. */
const lastWrites = new Map<string, { at: number; by: Invocation }>();
let rateAcrossInvocations = false;

/**
 * From now until the end of the test, a write to a key that another invocation wrote less than a second
 * ago fails as production's does: the call rejects with KV's 429 (the relay's to handle, not a broken
 * limit). Off by default: most tests act faster than an operator or a platform can, with no second between
 * steps, where production would refuse the same two writes. Within one invocation a second write is
 * always refused as a broken limit (the relay's own doing).
 */
export function kvWritesOncePerSecondAcrossInvocations(): void {
  rateAcrossInvocations = true;
  lastWrites.clear();
}

afterEach(() => {
  rateAcrossInvocations = false;
  lastWrites.clear();
});

/** KV's answer to a second write to one key within a second, as production rejects it. */
function tooSoon(operation: string, key: string): Error | undefined {
  const invocation = currentInvocation();
  if (invocation === undefined || !rateAcrossInvocations) return undefined;
  const last = lastWrites.get(key);
  const now = Date.now();
  if (last !== undefined && last.by !== invocation && now - last.at < 1000) {
    return new Error(`KV ${operation.toUpperCase()} failed: 429 Too Many Requests`);
  }
  lastWrites.set(key, { at: now, by: invocation });
  return undefined;
}

function checkWrite(operation: string, key: string): void {
  const invocation = currentInvocation();
  if (invocation === undefined) return;
  const written = writtenIn.get(invocation) ?? new Set<string>();
  writtenIn.set(invocation, written);
  if (written.has(key))
    refuse(`KV ${operation}: "${key}" written twice in one invocation (KV takes 1 write per key per second)`);
  written.add(key);
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
    checkWrite("put", key);
    const refused = tooSoon("put", key);
    if (refused) return Promise.reject(refused);
    return (real.put as (...args: unknown[]) => Promise<void>).call(this, key, value, options);
  } as KVNamespace["put"];
  prototype.delete = function del(this: KVNamespace, key: string) {
    countOperation("kv.delete");
    checkKey("delete", key);
    checkWrite("delete", key);
    const refused = tooSoon("delete", key);
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
