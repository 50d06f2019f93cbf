/**
 * The route micro-benchmark's Worker: the relay's own ingest code, run N times inside one request.
 *
 * - `POST /__bench/load?set=ID` stores a set of correctly signed, distinct callbacks (plain data).
 * - `POST /__bench/route?set=ID&n=N&mode=route|core&length=with|without` prepares an input for every
 *   callback of the set (always all of them, whatever N), then runs the first N:
 *   - `route`: the relay's Worker (its `fetch`, as a callback arrives) with a `Request` per callback, checking that each answer
 *     is the platform's exact success answer;
 *   - `core`: only the platform's verify, normalize and the CloudEvent of each draft.
 *   `length=without` sends the body as a stream without `Content-Length`.
 *
 * Timed from outside (workerd's clocks advance only on I/O): the same request with N and with 0 iterations
 * differ only by N runs of the code. The queue producer and the KV namespace are in-memory stand-ins and
 * `console.log` only counts the lines it is given during the runs: the figures are the route's own code,
 * not its I/O.
 */
/** The relay's parts the bench drives, passed in by the entry bench/lib/route.ts writes (from the tree measured). */
export interface RelayParts {
  /** The relay's Worker (its default export): `fetch` is the whole route a callback takes. */
  worker: { fetch(request: Request, env: Env, ctx: Ctx): Response | Promise<Response> };
  providerByName(name: string): Adapter | undefined;
  resolveCredentials(
    env: Env,
    adapter: Adapter,
    account: undefined,
  ): { ok: true; credentials: unknown } | { ok: false; missing: string[] };
  toCloudEvent(draft: unknown, provider: string, source: string): unknown;
  settingsOf(env: Env): { replayWindowSeconds: number };
  decodeUtf8(bytes: Uint8Array): string | null;
}

interface Adapter {
  name: string;
  verify(
    inbound: Inbound,
    credentials: unknown,
    clock: { now: number; replayWindowSeconds: number },
  ): Promise<{ ok: true; value: unknown } | { ok: false; status: number; reason: string }>;
  normalize(verified: unknown, receivedAt: number): Promise<unknown[]>;
}

interface Inbound {
  method: string;
  rawQuery: string;
  headers: Headers;
  body: string;
  clientIp: string | undefined;
}

type Env = Record<string, unknown>;

interface Ctx {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  props: Record<string, unknown>;
}

interface BenchCallback {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  expect: { status: number; body: string };
  events: number;
}

/** One isolate serves everything under `wrangler dev`: the sets stay in memory (the latest few). */
const sets = new Map<string, BenchCallback[]>();
const KEPT_SETS = 4;

/** What the stand-ins saw during the last run. */
const seen = { sends: 0, batches: 0, kvPuts: 0, logLines: 0, logBytes: 0 };

const queue = {
  async send(_body: unknown, _options?: unknown): Promise<void> {
    seen.sends++;
  },
  async sendBatch(messages: readonly unknown[]): Promise<void> {
    seen.batches++;
    seen.sends += messages.length;
  },
};

const kvStore = new Map<string, string>();
const kv = {
  async get(key: string): Promise<string | null> {
    return kvStore.get(key) ?? null;
  },
  async put(key: string, value: string): Promise<void> {
    seen.kvPuts++;
    kvStore.set(key, value);
  },
  async delete(key: string): Promise<void> {
    kvStore.delete(key);
  },
};

/** One env object per isolate, as in production (the relay caches per env object). */
let benchEnv: Env | undefined;
function envOf(env: Env): Env {
  benchEnv ??= { ...env, EVENTS_QUEUE: queue, RELAY_STATE: kv };
  return benchEnv;
}

const HOST = "https://relay.bench.example";

/** The worker around the relay's parts. */
export function routeWorker(relay: RelayParts): { fetch(request: Request, env: Env): Promise<Response> } {
  return { fetch: (request, env) => handle(relay, request, env) };
}

async function handle(relay: RelayParts, request: Request, realEnv: Env): Promise<Response> {
  const url = new URL(request.url);
  const env = envOf(realEnv);
  if (url.pathname === "/__bench/load") {
    const id = url.searchParams.get("set") ?? "";
    sets.set(id, (await request.json()) as BenchCallback[]);
    for (const old of sets.keys()) if (sets.size > KEPT_SETS && old !== id) sets.delete(old);
    return Response.json({ loaded: sets.get(id)?.length });
  }
  if (url.pathname !== "/__bench/route") return new Response("ok");

  const set = sets.get(url.searchParams.get("set") ?? "");
  const n = Number(url.searchParams.get("n"));
  const mode = url.searchParams.get("mode");
  const withLength = url.searchParams.get("length") !== "without";
  if (set === undefined || !Number.isInteger(n) || n < 0 || n > set.length) {
    return Response.json({ error: "unknown set or bad n" }, { status: 400 });
  }
  seen.sends = seen.batches = seen.kvPuts = seen.logLines = seen.logBytes = 0;
  const failures: string[] = [];
  if (mode === "route") await runRoute(relay, set, n, withLength, env, failures);
  else if (mode === "core") await runCore(relay, set, n, env, failures);
  else return Response.json({ error: "mode must be route or core" }, { status: 400 });
  const expectedEvents = set.slice(0, n).reduce((sum, callback) => sum + callback.events, 0);
  if (mode === "route" && seen.sends !== expectedEvents) {
    failures.push(`${seen.sends} events queued, expected ${expectedEvents}`);
  }
  return Response.json({ n, failures: failures.slice(0, 5), failed: failures.length, ...seen });
}

async function runRoute(
  { worker }: RelayParts,
  set: readonly BenchCallback[],
  n: number,
  withLength: boolean,
  env: Env,
  failures: string[],
): Promise<void> {
  // Prepared for the whole set, whatever n: the difference between n = N and n = 0 is the runs alone.
  const requests = set.map((callback) => {
    const bytes = new TextEncoder().encode(callback.body);
    const headers = new Headers(callback.headers);
    if (withLength) headers.set("content-length", String(bytes.byteLength));
    else headers.delete("content-length");
    return new Request(`${HOST}${callback.path}`, { method: callback.method, headers, body: bytes });
  });
  const waiting: Promise<unknown>[] = [];
  const ctx: Ctx = {
    waitUntil: (promise: Promise<unknown>) => waiting.push(promise),
    passThroughOnException() {},
    props: {},
  };
  const standIns = set.map((callback) => new Response(callback.expect.body, { status: callback.expect.status }));
  const answers: Response[] = [];
  const consoleLog = console.log;
  console.log = (line: unknown) => {
    seen.logLines++;
    seen.logBytes += typeof line === "string" ? line.length : 0;
  };
  try {
    for (let i = 0; i < n; i++) answers.push(await worker.fetch(requests[i] as Request, env, ctx));
  } finally {
    console.log = consoleLog;
  }
  // Every answer's body is read and checked, and the same number of bodies is read whatever n (the rest
  // from stand-ins built for the whole set): reading a body takes a turn of workerd's event loop, which
  // is the runtime sending the answer, not the route's code, and so cancels out of t(N) − t(0).
  for (const [i, stand] of standIns.entries()) {
    const answer = answers[i];
    const body = await (answer ?? stand).text();
    const expect = (set[i] as BenchCallback).expect;
    if (answer !== undefined && (answer.status !== expect.status || body !== expect.body)) {
      failures.push(`#${i}: answered ${answer.status} ${body.slice(0, 200)}`);
    }
  }
  await Promise.all(waiting);
  if (waiting.length > 0) failures.push(`${waiting.length} waitUntil promises on the success path`);
  if (seen.logLines !== n) failures.push(`${seen.logLines} log lines for ${n} callbacks`);
}

async function runCore(
  { providerByName, resolveCredentials, toCloudEvent, settingsOf, decodeUtf8 }: RelayParts,
  set: readonly BenchCallback[],
  n: number,
  env: Env,
  failures: string[],
): Promise<void> {
  const settings = settingsOf(env);
  const inputs = set.map((callback) => {
    const path = callback.path;
    const provider = path.split("?")[0]?.split("/")[2] ?? "";
    const adapter = providerByName(provider);
    if (adapter === undefined) throw new Error(`no adapter for ${path}`);
    const resolved = resolveCredentials(env, adapter, undefined);
    if (!resolved.ok) throw new Error(`${provider} is not configured: ${resolved.missing.join(", ")}`);
    const inbound: Inbound = {
      method: callback.method,
      rawQuery: new URL(`${HOST}${path}`).search.slice(1),
      headers: new Headers(callback.headers),
      body: decodeUtf8(new TextEncoder().encode(callback.body)) ?? "",
      clientIp: undefined,
    };
    return { adapter, credentials: resolved.credentials, inbound, source: `/webhooks/${provider}`, callback };
  });
  const now = Date.now();
  const clock = { now, replayWindowSeconds: settings.replayWindowSeconds };
  for (let i = 0; i < n; i++) {
    const { adapter, credentials, inbound, source, callback } = inputs[i] as (typeof inputs)[number];
    const verification = await adapter.verify(inbound, credentials, clock);
    if (!verification.ok) {
      failures.push(`#${i}: ${verification.status} ${verification.reason}`);
      continue;
    }
    const drafts = await adapter.normalize(verification.value, now);
    const events = drafts.map((draft) => toCloudEvent(draft, adapter.name, source));
    if (events.length !== callback.events) failures.push(`#${i}: ${events.length} events`);
  }
}
