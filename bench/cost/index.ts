/**
 * The cost bench's Worker: the relay itself (its default export and its `ChatRateLimiter`, from the
 * relay's built bundle: bench/lib/cost.ts writes the entry that passes them in), with every binding,
 * the console and each queue batch wrapped in the counting proxies of ./counting.ts. `fetch`, `queue`
 * and `scheduled` go to the relay; paths under `/__bench/` (which the relay never serves) drive the bench:
 *
 * - `GET /__bench/counts`: what was counted since the last reset, and how many invocations are running;
 * - `POST /__bench/reset`: starts counting from zero;
 * - `POST /__bench/scheduled`: one run of the relay's scheduled handler (the hourly Cron Trigger), counted;
 * - `POST /__bench/age?ms=…`: moves every event-log row `ms` into the past (uncounted), so the next
 *   scheduled run finds them past retention;
 * - `GET /__bench/rows`: rows in the event log's tables (uncounted).
 */
import {
  countConsole,
  countingBatch,
  countingD1,
  countingKv,
  countingNamespace,
  countingQueue,
  countObjectSql,
  Tally,
} from "./counting.ts";

type Handler = (...args: unknown[]) => unknown;
interface Relay {
  fetch?: Handler;
  queue?: Handler;
  scheduled?: Handler;
}
type ObjectClass = new (ctx: object, env: object) => object;
interface Context {
  waitUntil(promise: Promise<unknown>): void;
}
interface Database {
  prepare(sql: string): {
    bind(...values: unknown[]): { run(): Promise<unknown> };
    first(): Promise<Record<string, unknown> | null>;
  };
}

const tally = new Tally();
countConsole(console, tally);
let inFlight = 0;
/** This isolate: a restart (wrangler dev reloads on a file change) loses the counts, and the bench must know. */
let isolateId: string | undefined;
const isolate = () => {
  isolateId ??= crypto.randomUUID();
  return isolateId;
};

/** The rows the event log keeps and the column that dates each (moved by `/__bench/age`). */
const DATED = [
  { table: "events", column: "received_at" },
  { table: "attempts", column: "at" },
  { table: "refusals", column: "hour" },
  { table: "credential_matches", column: "hour" },
] as const;

/** Each binding wrapped by its shape: KV namespaces, queue producers, D1 databases, Durable Object namespaces. */
function countingEnv(env: Record<string, unknown>): Record<string, unknown> {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    const has = (member: string) =>
      typeof value === "object" && value !== null && typeof (value as Record<string, unknown>)[member] === "function";
    if (has("getWithMetadata") && has("list")) wrapped[name] = countingKv(value as object, name, tally);
    else if (has("sendBatch")) wrapped[name] = countingQueue(value as object, name, tally);
    else if (has("prepare") && has("batch")) wrapped[name] = countingD1(value as object, name, tally);
    else if (has("idFromName")) wrapped[name] = countingNamespace(value as object, name, tally);
    else wrapped[name] = value;
  }
  return wrapped;
}

/** One wrapped env per real env: the relay caches per env object, as it would in production. */
const envs = new WeakMap<object, Record<string, unknown>>();
function envFor(env: object): Record<string, unknown> {
  let wrapped = envs.get(env);
  if (wrapped === undefined) {
    wrapped = countingEnv(env as Record<string, unknown>);
    envs.set(env, wrapped);
  }
  return wrapped;
}

/** A context whose `waitUntil` work is tracked, so the bench knows when an invocation is really over. */
function trackedContext<T extends object>(ctx: T): T {
  const real = ctx as unknown as Context;
  return new Proxy(ctx, {
    get(object, property) {
      if (property === "waitUntil") {
        return (promise: Promise<unknown>) => {
          inFlight++;
          real.waitUntil(promise.finally(() => inFlight--));
        };
      }
      const value = Reflect.get(object, property, object);
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}

async function invocation<T>(work: () => Promise<T> | T): Promise<T> {
  inFlight++;
  try {
    return await work();
  } finally {
    inFlight--;
  }
}

async function bench(request: Request, env: Record<string, unknown>, ctx: object, relay: Relay): Promise<Response> {
  const url = new URL(request.url);
  const db = env.RELAY_LOG as Database | undefined;
  if (url.pathname === "/__bench/counts")
    return Response.json({ counts: tally.snapshot(), inFlight, isolate: isolate() });
  if (url.pathname === "/__bench/reset" && request.method === "POST") {
    tally.reset();
    return Response.json({ isolate: isolate() });
  }
  if (url.pathname === "/__bench/scheduled" && request.method === "POST") {
    tally.add("scheduledInvocations", 1, "scheduled");
    const controller = { scheduledTime: Date.now(), cron: "17 * * * *", noRetry() {} };
    await invocation(() => relay.scheduled?.(controller, envFor(env), trackedContext(ctx)));
    return Response.json({ ran: true });
  }
  if (url.pathname === "/__bench/age" && request.method === "POST" && db !== undefined) {
    const ms = Number(url.searchParams.get("ms"));
    for (const { table, column } of DATED) {
      await db.prepare(`UPDATE ${table} SET ${column} = ${column} - ?1`).bind(ms).run();
    }
    return Response.json({ aged: ms });
  }
  if (url.pathname === "/__bench/rows" && db !== undefined) {
    const rows: Record<string, number> = {};
    for (const { table } of DATED) {
      rows[table] = Number((await db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first())?.n ?? 0);
    }
    return Response.json(rows);
  }
  return new Response("no such bench path", { status: 404 });
}

/** The bench Worker around `relay`, and its Durable Object class around the relay's `ChatRateLimiter`. */
export function costWorker(relay: Relay, Limiter: ObjectClass) {
  const handler = {
    fetch(request: Request, env: object, ctx: object) {
      if (new URL(request.url).pathname.startsWith("/__bench/")) {
        return bench(request, env as Record<string, unknown>, ctx, relay);
      }
      tally.add("fetchInvocations", 1, "fetch");
      return invocation(() => relay.fetch?.(request, envFor(env), trackedContext(ctx)));
    },
    async queue(batch: object, env: object, ctx: object) {
      tally.add("queueInvocations", 1, `queue ${(batch as { queue: string }).queue}`);
      const counted = countingBatch(batch, tally);
      let threw = false;
      try {
        await invocation(() => relay.queue?.(counted.batch, envFor(env), trackedContext(ctx)));
      } catch (error) {
        threw = true;
        throw error;
      } finally {
        counted.settle(threw);
      }
    },
  };
  class ChatRateLimiter extends Limiter {
    constructor(ctx: object, env: object) {
      countObjectSql(ctx, tally);
      super(ctx, envFor(env));
    }
  }
  return { handler, ChatRateLimiter };
}
