/**
 * Counting proxies for the cost bench: each wraps one binding (or the console, or a queue batch) and
 * counts what Cloudflare bills for it, then passes the call to the real binding unchanged. They follow
 * the published billing units:
 *
 * - KV: one read per key (a bulk `get` of 10 keys is 10 reads), one write per `put`, one delete per
 *   `delete`, one list per `list` call.
 * - Queues: one operation per 64 KB (rounded up) of each message written (`send`, every message of a
 *   `sendBatch`), read (every message handed to a consumer, again on every retry) and deleted (every
 *   message acknowledged).
 * - D1: rows read and rows written exactly as D1 reports them in each result's `meta` (`run`, `all`,
 *   `first`, and each result of `batch`). `raw()` and `exec()` return no row counts: they are counted
 *   as unmetered calls, and the bench fails when any occur.
 * - Durable Objects: every call on a stub (an RPC method or `fetch`) is one request; rows read and
 *   written by the object's SQLite storage come from each cursor's `rowsRead`/`rowsWritten`.
 * - Workers Logs: every console call is one log line.
 *
 * No workers types here (this file is typechecked for Node too): the shapes are the few members used.
 */

export const QUEUE_OPERATION_BYTES = 64 * 1024;

/** Everything counted since the last reset. `detail` names each operation (`kv.RELAY_STATE.get keys`). */
export interface Counts {
  fetchInvocations: number;
  queueInvocations: number;
  scheduledInvocations: number;
  /** Messages handed to consumers (each read), and consumer invocations' batch sizes. */
  queueMessagesRead: number;
  queueOperationsWritten: number;
  queueOperationsRead: number;
  queueOperationsDeleted: number;
  kvReads: number;
  kvWrites: number;
  kvDeletes: number;
  kvLists: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  d1Statements: number;
  /** `raw()` / `exec()` calls: D1 answers them without row counts. */
  d1Unmetered: number;
  durableObjectRequests: number;
  durableObjectRowsRead: number;
  durableObjectRowsWritten: number;
  logLines: number;
  detail: Record<string, number>;
}

export function emptyCounts(): Counts {
  return {
    fetchInvocations: 0,
    queueInvocations: 0,
    scheduledInvocations: 0,
    queueMessagesRead: 0,
    queueOperationsWritten: 0,
    queueOperationsRead: 0,
    queueOperationsDeleted: 0,
    kvReads: 0,
    kvWrites: 0,
    kvDeletes: 0,
    kvLists: 0,
    d1RowsRead: 0,
    d1RowsWritten: 0,
    d1Statements: 0,
    d1Unmetered: 0,
    durableObjectRequests: 0,
    durableObjectRowsRead: 0,
    durableObjectRowsWritten: 0,
    logLines: 0,
    detail: {},
  };
}

type NumericKey = Exclude<keyof Counts, "detail">;

/** One tally: the billable counters and the per-operation detail. */
export class Tally {
  counts = emptyCounts();
  /** Durable Object SQLite cursors: their row counts grow while they are read, so they are summed when asked. */
  #cursors: { rowsRead: number; rowsWritten: number }[] = [];

  add(key: NumericKey, n: number, what?: string): void {
    this.counts[key] += n;
    if (what !== undefined) this.counts.detail[what] = (this.counts.detail[what] ?? 0) + n;
  }

  cursor(cursor: { rowsRead: number; rowsWritten: number }): void {
    this.#cursors.push(cursor);
  }

  /** The counts so far, the cursors' rows included. */
  snapshot(): Counts {
    const counts = { ...this.counts, detail: { ...this.counts.detail } };
    for (const cursor of this.#cursors) {
      counts.durableObjectRowsRead += cursor.rowsRead;
      counts.durableObjectRowsWritten += cursor.rowsWritten;
    }
    return counts;
  }

  reset(): void {
    this.counts = emptyCounts();
    this.#cursors = [];
  }
}

const encoder = new TextEncoder();

/** A message body's size as Queues bills it: the bytes of its JSON (the relay sends `contentType: "json"`). */
export function messageBytes(body: unknown): number {
  if (typeof body === "string") return encoder.encode(body).byteLength;
  if (body instanceof ArrayBuffer) return body.byteLength;
  if (ArrayBuffer.isView(body)) return body.byteLength;
  return encoder.encode(JSON.stringify(body) ?? "").byteLength;
}

/** Queue operations for one message: one per 64 KB, rounded up, at least one. */
export function queueOperations(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / QUEUE_OPERATION_BYTES));
}

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * A proxy of a native object whose methods are called on the object itself (workerd's bindings refuse
 * another `this`), with some methods replaced.
 */
function withMethods<T extends object>(target: T, overrides: Record<string, AnyFunction>): T {
  return new Proxy(target, {
    get(object, property) {
      if (typeof property === "string" && Object.hasOwn(overrides, property)) return overrides[property];
      const value = Reflect.get(object, property, object);
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}

// ---------------------------------------------------------------- KV

interface KvLike {
  get(key: unknown, ...rest: unknown[]): Promise<unknown>;
  getWithMetadata(key: unknown, ...rest: unknown[]): Promise<unknown>;
  put(key: string, ...rest: unknown[]): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  list(options?: unknown): Promise<unknown>;
}

const keyCount = (key: unknown) => (Array.isArray(key) ? key.length : 1);

export function countingKv<T extends object>(kv: T, name: string, tally: Tally): T {
  const real = kv as unknown as KvLike;
  return withMethods(kv, {
    get: (key, ...rest) => {
      tally.add("kvReads", keyCount(key), `kv.${name}.get keys`);
      return real.get.call(real, key, ...rest);
    },
    getWithMetadata: (key, ...rest) => {
      tally.add("kvReads", keyCount(key), `kv.${name}.getWithMetadata keys`);
      return real.getWithMetadata.call(real, key, ...rest);
    },
    put: (key, ...rest) => {
      tally.add("kvWrites", 1, `kv.${name}.put`);
      return real.put.call(real, key as string, ...rest);
    },
    delete: (key) => {
      tally.add("kvDeletes", 1, `kv.${name}.delete`);
      return real.delete.call(real, key as string);
    },
    list: (options) => {
      tally.add("kvLists", 1, `kv.${name}.list`);
      return real.list.call(real, options);
    },
  });
}

// ---------------------------------------------------------------- Queues (producer)

interface QueueLike {
  send(body: unknown, options?: unknown): Promise<unknown>;
  sendBatch(messages: Iterable<{ body: unknown }>, options?: unknown): Promise<unknown>;
}

export function countingQueue<T extends object>(queue: T, name: string, tally: Tally): T {
  const real = queue as unknown as QueueLike;
  const written = (body: unknown) => {
    tally.add("queueOperationsWritten", queueOperations(messageBytes(body)), `queue.${name} operations written`);
    tally.counts.detail[`queue.${name} messages written`] =
      (tally.counts.detail[`queue.${name} messages written`] ?? 0) + 1;
  };
  return withMethods(queue, {
    send: (body, options) => {
      written(body);
      return real.send.call(real, body, options);
    },
    sendBatch: (messages, options) => {
      const list = [...(messages as Iterable<{ body: unknown }>)];
      for (const message of list) written(message.body);
      return real.sendBatch.call(real, list, options);
    },
  });
}

// ---------------------------------------------------------------- Queues (consumer)

interface MessageLike {
  readonly body: unknown;
  ack(): void;
  retry(options?: unknown): void;
}

interface BatchLike {
  readonly queue: string;
  readonly messages: readonly MessageLike[];
  ackAll(): void;
  retryAll(options?: unknown): void;
}

/**
 * A consumer's batch whose messages are counted as read when handed over and as deleted once
 * acknowledged. As Queues decides: a message's own `ack()`/`retry()` wins (the first call), then the
 * batch's `ackAll()`/`retryAll()` (the first call), then the outcome (returned: acknowledged; threw:
 * retried). Call `settle(threw)` when the handler is done.
 */
export function countingBatch<T extends object>(batch: T, tally: Tally): { batch: T; settle(threw: boolean): void } {
  const real = batch as unknown as BatchLike;
  const decided = new Map<MessageLike, "ack" | "retry">();
  let all: "ack" | "retry" | undefined;
  const sizes = new Map<MessageLike, number>();
  const messages = real.messages.map((message) => {
    const bytes = messageBytes(message.body);
    tally.add("queueMessagesRead", 1, `queue.${real.queue} messages read`);
    tally.add("queueOperationsRead", queueOperations(bytes), `queue.${real.queue} operations read`);
    const wrapped = withMethods(message as unknown as object, {
      ack: () => {
        if (!decided.has(wrapped)) decided.set(wrapped, "ack");
        message.ack();
      },
      retry: (options) => {
        if (!decided.has(wrapped)) decided.set(wrapped, "retry");
        message.retry(options);
      },
    }) as unknown as MessageLike;
    sizes.set(wrapped, bytes);
    return wrapped;
  });
  const wrappedBatch = withMethods(batch, {
    ackAll: () => {
      all ??= "ack";
      real.ackAll();
    },
    retryAll: (options) => {
      all ??= "retry";
      real.retryAll(options);
    },
  });
  const proxied = new Proxy(wrappedBatch, {
    get(object, property) {
      if (property === "messages") return messages;
      return Reflect.get(object, property);
    },
  });
  return {
    batch: proxied,
    settle(threw) {
      for (const message of messages) {
        const outcome = decided.get(message) ?? all ?? (threw ? "retry" : "ack");
        if (outcome !== "ack") continue;
        const bytes = sizes.get(message) ?? 0;
        tally.add("queueOperationsDeleted", queueOperations(bytes), `queue.${real.queue} operations deleted`);
      }
    },
  };
}

// ---------------------------------------------------------------- D1

interface D1Meta {
  rows_read?: number;
  rows_written?: number;
}
interface D1ResultLike {
  results?: unknown[];
  meta?: D1Meta;
}
interface StatementLike {
  bind(...values: unknown[]): StatementLike;
  run(): Promise<D1ResultLike>;
  all(): Promise<D1ResultLike>;
  raw(options?: unknown): Promise<unknown>;
}
interface DatabaseLike {
  prepare(sql: string): StatementLike;
  batch(statements: StatementLike[]): Promise<D1ResultLike[]>;
  exec(sql: string): Promise<unknown>;
}

export function countingD1<T extends object>(db: T, name: string, tally: Tally): T {
  const real = db as unknown as DatabaseLike;
  const originals = new WeakMap<object, StatementLike>();
  const metered = (result: D1ResultLike, what: string) => {
    tally.add("d1Statements", 1, `d1.${name}.${what}`);
    tally.add("d1RowsRead", result.meta?.rows_read ?? 0, `d1.${name} rows read`);
    tally.add("d1RowsWritten", result.meta?.rows_written ?? 0, `d1.${name} rows written`);
    if (result.meta?.rows_read === undefined || result.meta?.rows_written === undefined) {
      tally.add("d1Unmetered", 1, `d1.${name}.${what} without meta`);
    }
  };
  const wrapStatement = (statement: StatementLike): StatementLike => {
    const wrapped = withMethods(statement, {
      bind: (...values) => wrapStatement(statement.bind(...values)),
      run: async () => {
        const result = await statement.run();
        metered(result, "run");
        return result;
      },
      all: async () => {
        const result = await statement.all();
        metered(result, "all");
        return result;
      },
      // `first()` gives no meta: the same statement through `all()` (D1 runs the whole query either way).
      first: async (column) => {
        const result = await statement.all();
        metered(result, "first");
        const row = (result.results?.[0] ?? null) as Record<string, unknown> | null;
        if (column === undefined || row === null) return row;
        return row[column as string] ?? null;
      },
      raw: (options) => {
        tally.add("d1Unmetered", 1, `d1.${name}.raw`);
        return statement.raw(options);
      },
    });
    originals.set(wrapped, statement);
    return wrapped;
  };
  return withMethods(db, {
    prepare: (sql) => wrapStatement(real.prepare(sql as string)),
    batch: async (statements) => {
      const list = (statements as StatementLike[]).map((s) => originals.get(s) ?? s);
      const results = await real.batch(list);
      for (const result of results) metered(result, "batch statement");
      return results;
    },
    exec: (sql) => {
      tally.add("d1Unmetered", 1, `d1.${name}.exec`);
      return real.exec(sql as string);
    },
    // A session (read replication) is a database of its own: counted the same way.
    withSession: (...args) =>
      countingD1((db as unknown as { withSession: AnyFunction }).withSession(...args) as object, name, tally),
  });
}

// ---------------------------------------------------------------- Durable Objects

/** Stub members that are not requests. */
const NOT_REQUESTS = new Set<PropertyKey>(["constructor", "id", "name", "then"]);

function countingStub<T extends object>(stub: T, name: string, tally: Tally): T {
  return new Proxy(stub, {
    get(object, property) {
      const value = Reflect.get(object, property);
      if (typeof value !== "function" || NOT_REQUESTS.has(property)) return value;
      return (...args: unknown[]) => {
        tally.add("durableObjectRequests", 1, `durableObject.${name}.${String(property)}`);
        return Reflect.apply(value, object, args);
      };
    },
  });
}

export function countingNamespace<T extends object>(namespace: T, name: string, tally: Tally): T {
  const real = namespace as unknown as Record<string, AnyFunction>;
  const stubbing =
    (method: string): AnyFunction =>
    (...args) =>
      countingStub((real[method] as AnyFunction).apply(real, args) as object, name, tally);
  return withMethods(namespace, { get: stubbing("get"), getByName: stubbing("getByName") });
}

/**
 * Keeps every cursor of a Durable Object's `ctx.storage.sql.exec`, so the rows its SQLite reads and
 * writes are counted (SQLite-backed objects bill rows read and written). The runtime accepts only its
 * own `ctx` in the object's constructor, so the method is replaced on the storage's prototype (once).
 */
export function countObjectSql(ctx: object, tally: Tally): void {
  const sql = (ctx as { storage: { sql: object } }).storage.sql;
  const prototype = Object.getPrototypeOf(sql) as { exec: AnyFunction; __costCounted?: true };
  if (prototype.__costCounted) return;
  prototype.__costCounted = true;
  const exec = prototype.exec;
  prototype.exec = function counted(this: unknown, ...args: unknown[]) {
    const cursor = exec.apply(this, args) as { rowsRead: number; rowsWritten: number };
    tally.cursor(cursor);
    return cursor;
  };
}

// ---------------------------------------------------------------- console

const LOG_METHODS = ["log", "info", "warn", "error", "debug"] as const;

/** Counts every console call as one log line (replaces the global console's methods; idempotent). */
export function countConsole(target: Console, tally: Tally): void {
  const marked = target as Console & { __costCounted?: true };
  if (marked.__costCounted) return;
  marked.__costCounted = true;
  for (const method of LOG_METHODS) {
    const original = target[method].bind(target);
    target[method] = (...args: unknown[]) => {
      tally.add("logLines", 1, `console.${method}`);
      original(...args);
    };
  }
}
