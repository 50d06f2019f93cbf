import { cpSync, writeFileSync } from "node:fs";
import { Agent } from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startChatBots } from "../../tools/harness/chat-demo.ts";
import { type Plan, type Sink, startSink } from "../../tools/harness/sink.ts";
import { wrangler } from "../../tools/harness/wrangler.ts";
import type { Counts } from "../cost/counting.ts";
import { type BillableCounts, monthlyUsdOnPaid, PRICES_AS_OF, pricePerMillionEvents } from "../prices.ts";
import { derivedRelayToml, relayToml, writeServerDir } from "./configs.ts";
import { post } from "./http.ts";
import { REPO } from "./paths.ts";
import { benchVars, nextCallback, PROVIDER_NAMES, type Provider, SINK_SECRET, sequenceOfSubject } from "./providers.ts";
import { buildBundle, type DevServer, startDev } from "./wrangler.ts";

/** The cost phase's figures, with the run's machine (also in latest.json when `npm run bench` runs it). */
export const COST_RESULTS_PATH = join(REPO, "bench", "results", "cost.json");

export interface CostPlan {
  /** Events (callbacks) per scenario. */
  events: number;
  /** Sent at this many per second (the chat scenario at 2, so that its bot's 5 per second is never reached). */
  rate: number;
}

/** What one scenario billed, per event; `units` are the keys of PRICE_PER_MILLION. */
export interface ScenarioCost {
  scenario: string;
  events: number;
  units: BillableCounts;
  /** $ per million events at list price, beyond the plan's inclusions. */
  usd_per_million: number;
  /** The same with every queue message in an invocation of its own (the upper bound at low traffic). */
  usd_per_million_unbatched: number;
  /** How the Workers requests of the run were made: invocations and messages per consumer invocation. */
  invocations: { fetch: number; queue: number; scheduled: number; queue_messages_read: number };
  /** Every counted operation of the run (not per event). */
  detail: Record<string, number>;
  /** Event-log rows deleted by the retention run that priced this scenario's events. */
  rows_deleted?: Record<string, number>;
  /** The retention run that deleted this scenario's rows, per event it deleted. */
  retention?: Omit<ScenarioCost, "retention">;
  /** A month on Workers Paid (subscription included) at 1M and 10M such events, retention included. */
  paid_month_usd?: { "1M": number; "10M": number };
}

/** Two events' units added up (an event and the retention run that deletes it). */
export function addUnits(a: BillableCounts, b: BillableCounts): BillableCounts {
  const sum: BillableCounts = { ...a };
  for (const [unit, n] of Object.entries(b)) {
    const key = unit as keyof BillableCounts;
    sum[key] = round((sum[key] ?? 0) + (n ?? 0));
  }
  return sum;
}

export interface CostResult {
  prices_as_of: string;
  events_per_scenario: number;
  scenarios: ScenarioCost[];
  notes: string[];
}

const ADMIN_TOKEN = benchVars().ADMIN_TOKEN as string;
const DAY_MS = 86_400_000;
/** Counts unchanged this long, nothing running: the scenario is over (consumer batches wait up to 1 s). */
const QUIET_MS = 3_000;
/** Moved this far into the past, every row is past the longest retention (30 days) with a day to spare. */
const AGE_MS = 31 * DAY_MS;

export const COST_NOTES = [
  "cost: the relay's own bundle inside a bench Worker (bench/cost/index.ts) that wraps every binding, the console and each queue batch in counting proxies (bench/cost/counting.ts), served by wrangler dev with local Queues (consumers as in wrangler.toml), KV, D1 and the Durable Object; RETRY_SCHEDULE=1,1,2,2,5",
  "cost units per event = everything counted from the first callback until nothing ran for 3 s, divided by the scenario's events (after one uncounted warm-up event, so once-per-target work such as a target's health row stays out); D1 rows from each result's meta; KV reads per key; Queue operations per 64 KB written, read (again on every retry) and deleted; Durable Object requests per stub call and rows from its SQLite cursors; log lines per console call",
  "cost workersRequests: every fetch, queue consumer and scheduled invocation; a consumer invocation's one request is shared by the messages of its batch as local Queues formed them (batches of up to 10 fan-out and 6 delivery messages, waiting up to 1 s); usd_per_million_unbatched prices every message read as an invocation of its own (a lone event at low traffic)",
  "cost retention: each scenario's rows are moved 31 days into the past and one scheduled run deletes them; its counts divided by the events it deleted (the refused callbacks, for the forged scenario) are the scenario's retention cost; the 'retention' scenario is the first scenario's; rows_deleted is each table's row count before minus after (the run may also write a counter row)",
  "cost leaves out CPU time (the ingest phase's CPU µs per request is measured under wrangler dev, not production), Durable Object duration, D1 and KV storage, and Workers Logs invocation logs (one per invocation, if billed as log lines)",
];

interface Scenario {
  name: string;
  /** The targets document for the scenario. */
  targets: (sink: Sink, chat: ChatTarget) => Record<string, unknown>[];
  /** Sink routes. */
  routes?: Record<string, Plan>;
  /** The callbacks carry a wrong signature: refused, nothing delivered. */
  forged?: boolean;
  /** Callbacks per second, when not the plan's. */
  rate?: number;
  /** Whether every sent event has arrived where it should. */
  arrived: (sink: Sink, sent: Set<number>, chatReceived: number) => boolean;
}

interface ChatTarget {
  id: string;
  kind: string;
  url: string;
  secret?: string;
}

const webhook = (sink: Sink, id: string, path: string) => ({ id, url: `${sink.url}${path}`, secret: SINK_SECRET });

/** Distinct sent events delivered to `path` with a 2xx answer. */
function deliveredTo(sink: Sink, path: string, sent: Set<number>): number {
  const delivered = new Set<number>();
  for (const request of sink.requests(path)) {
    const n = sequenceOfSubject(subjectOf(request.body));
    const status = typeof request.reply === "string" ? 0 : request.reply.status;
    if (n !== undefined && sent.has(n) && status >= 200 && status < 300) delivered.add(n);
  }
  return delivered.size;
}

function subjectOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { subject?: unknown }).subject;
  } catch {
    return undefined;
  }
}

const ok204: Plan = () => ({ status: 204 });

export const SCENARIOS: Scenario[] = [
  {
    name: "one webhook target, first attempt",
    targets: (sink) => [webhook(sink, "bench-one", "/one")],
    routes: { "/one": ok204 },
    arrived: (sink, sent) => deliveredTo(sink, "/one", sent) >= sent.size,
  },
  {
    name: "one webhook target, two retries (500, 500, 200)",
    targets: (sink) => [webhook(sink, "bench-flaky", "/flaky")],
    routes: { "/flaky": (attempt) => (attempt <= 2 ? { status: 500 } : { status: 200 }) },
    arrived: (sink, sent) => deliveredTo(sink, "/flaky", sent) >= sent.size,
  },
  {
    name: "three webhook targets",
    targets: (sink) => ["a", "b", "c"].map((t) => webhook(sink, `bench-${t}`, `/${t}`)),
    routes: { "/a": ok204, "/b": ok204, "/c": ok204 },
    arrived: (sink, sent) => ["/a", "/b", "/c"].every((path) => deliveredTo(sink, path, sent) >= sent.size),
  },
  {
    name: "one chat target (Feishu)",
    targets: (_sink, chat) => [{ ...chat, id: "bench-feishu", types: ["*"] }],
    rate: 2,
    arrived: (_sink, sent, chatReceived) => chatReceived >= sent.size,
  },
  {
    name: "refused forged callback (bad signature)",
    targets: (sink) => [webhook(sink, "bench-one", "/one")],
    forged: true,
    arrived: () => true,
  },
];
export const RETENTION_SCENARIO = "retention run (per event pruned)";

/** The units of PRICE_PER_MILLION per event, from a run's counts. */
export function unitsPerEvent(counts: Counts, events: number, unbatched = false): BillableCounts {
  const per = (n: number) => round(n / events);
  const invocations = unbatched
    ? counts.fetchInvocations + counts.queueMessagesRead + counts.scheduledInvocations
    : counts.fetchInvocations + counts.queueInvocations + counts.scheduledInvocations;
  return {
    workersRequests: per(invocations),
    kvReads: per(counts.kvReads),
    kvWrites: per(counts.kvWrites),
    kvDeletes: per(counts.kvDeletes),
    kvLists: per(counts.kvLists),
    queueOperations: per(counts.queueOperationsWritten + counts.queueOperationsRead + counts.queueOperationsDeleted),
    d1RowsRead: per(counts.d1RowsRead),
    d1RowsWritten: per(counts.d1RowsWritten),
    durableObjectRequests: per(counts.durableObjectRequests),
    durableObjectRowsRead: per(counts.durableObjectRowsRead),
    durableObjectRowsWritten: per(counts.durableObjectRowsWritten),
    logLines: per(counts.logLines),
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function priced(scenario: string, counts: Counts, events: number): ScenarioCost {
  if (counts.d1Unmetered > 0) {
    throw new Error(`${scenario}: ${counts.d1Unmetered} D1 calls returned no row counts (raw/exec): cannot price them`);
  }
  const units = unitsPerEvent(counts, events);
  return {
    scenario,
    events,
    units,
    usd_per_million: pricePerMillionEvents(units),
    usd_per_million_unbatched: pricePerMillionEvents(unitsPerEvent(counts, events, true)),
    invocations: {
      fetch: counts.fetchInvocations,
      queue: counts.queueInvocations,
      scheduled: counts.scheduledInvocations,
      queue_messages_read: counts.queueMessagesRead,
    },
    detail: counts.detail,
  };
}

/** The cost bench's Worker: the relay's bundle inside bench/cost/index.ts, built like the others. */
async function buildCostWorker(runDir: string, relayBundle: string, queuePrefix: string): Promise<string> {
  const srcDir = join(runDir, "src-cost");
  const entry = join(srcDir, "entry.ts");
  const toml = derivedRelayToml(relayToml(), { main: entry, queuePrefix, consumers: true });
  const config = writeServerDir(srcDir, toml, {});
  writeFileSync(
    entry,
    [
      `import relay, { ChatRateLimiter as RelayLimiter } from ${JSON.stringify(relayBundle)};`,
      `import { costWorker } from ${JSON.stringify(join(REPO, "bench", "cost", "index.ts"))};`,
      "const worker = costWorker(relay, RelayLimiter);",
      "export const ChatRateLimiter = worker.ChatRateLimiter;",
      "export default worker.handler;",
      "",
    ].join("\n"),
  );
  return buildBundle(config, join(runDir, "build", "cost"), runDir);
}

async function startCostWorker(
  runDir: string,
  bundle: string,
  queuePrefix: string,
  started: DevServer[],
): Promise<DevServer> {
  // The console's files, copied: wrangler dev reloads the Worker (and its counts) when a teammate edits public/.
  const assets = join(runDir, "cost-assets");
  cpSync(join(REPO, "public"), assets, { recursive: true });
  const toml = derivedRelayToml(relayToml(), { main: bundle, queuePrefix, consumers: true }).replace(
    /^directory\s*=.*$/m,
    `directory = ${JSON.stringify(assets)}`,
  );
  const vars = benchVars({ RETRY_SCHEDULE: "1,1,2,2,5", ALLOW_INSECURE_TARGETS: "true" });
  const config = writeServerDir(join(runDir, "cost"), toml, vars);
  const persistTo = join(runDir, "state-cost");
  await wrangler(
    ["d1", "migrations", "apply", "RELAY_LOG", "--local", "--persist-to", persistTo, "-c", config],
    runDir,
  );
  let server: DevServer;
  try {
    server = await startDev("cost", config, { runDir, persistTo, readyPath: "/healthz" });
  } catch (error) {
    // Another process on this shared machine took the free port between its choice and wrangler's start.
    if (!/Address already in use/.test((error as Error).message)) throw error;
    server = await startDev("cost", config, { runDir, persistTo, readyPath: "/healthz" });
  }
  started.push(server);
  return server;
}

async function call<T>(server: DevServer, path: string, method = "GET"): Promise<T> {
  const response = await fetch(`${server.url}${path}`, { method });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

const counts = (server: DevServer) =>
  call<{ counts: Counts; inFlight: number; isolate: string }>(server, "/__bench/counts");

/** The Worker was restarted (wrangler dev reloads on a file change): its counts started over. */
class Reloaded extends Error {}

/** Waits until `done()` holds, then until nothing runs and the counts stay still for QUIET_MS. */
async function quiet(
  server: DevServer,
  isolate: string,
  done: () => boolean,
  what: string,
  timeoutMs = 180_000,
): Promise<Counts> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what}: not every event arrived within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
  let last = "";
  let since = Date.now();
  for (;;) {
    const now = await counts(server);
    if (now.isolate !== isolate) throw new Reloaded(`${what}: the Worker was restarted mid-run`);
    const text = JSON.stringify(now.counts);
    if (text !== last || now.inFlight > 0) {
      last = text;
      since = Date.now();
    } else if (Date.now() - since >= QUIET_MS) {
      return now.counts;
    }
    if (Date.now() > deadline) throw new Error(`${what}: the relay did not go quiet within ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

async function putTargets(server: DevServer, targets: Record<string, unknown>[]): Promise<void> {
  const response = await fetch(`${server.url}/admin/targets`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(targets),
  });
  if (!response.ok) throw new Error(`PUT /admin/targets answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}

/** Sends `events` callbacks, the platforms in turn, at `rate` per second; forged ones carry a wrong signature. */
async function send(server: DevServer, events: number, rate: number, forged: boolean): Promise<Set<number>> {
  const agent = new Agent({ keepAlive: true });
  const sent = new Set<number>();
  const failures: string[] = [];
  const start = Date.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < events; i++) {
    await sleep(Math.max(0, start + (i * 1000) / rate - Date.now()));
    const provider: Provider = forged ? "tencent-meeting" : (PROVIDER_NAMES[i % PROVIDER_NAMES.length] as Provider);
    const { n, callback } = nextCallback(provider);
    if (forged) callback.headers = { ...callback.headers, signature: "0".repeat(40) };
    sends.push(
      post(agent, server.url, callback).then((answer) => {
        const accepted = answer.status === callback.expect.status && answer.body === callback.expect.body;
        if (forged ? answer.status === 401 || answer.status === 403 : accepted) sent.add(n);
        else failures.push(`${callback.label}: ${answer.status} ${answer.body.slice(0, 200)}`);
      }),
    );
  }
  await Promise.all(sends);
  agent.destroy();
  if (failures.length > 0) {
    throw new Error(
      `${failures.length} callbacks were not answered as expected, e.g. ${failures.slice(0, 3).join("; ")}`,
    );
  }
  return sent;
}

/** Moves the log into the past, runs the scheduled handler once, and returns what it counted. */
async function retention(server: DevServer): Promise<{ counts: Counts; deleted: Record<string, number> }> {
  await call(server, `/__bench/age?ms=${AGE_MS}`, "POST");
  const before = await call<Record<string, number>>(server, "/__bench/rows");
  const { isolate } = await call<{ isolate: string }>(server, "/__bench/reset", "POST");
  await call(server, "/__bench/scheduled", "POST");
  const counted = await quiet(server, isolate, () => true, "retention");
  const after = await call<Record<string, number>>(server, "/__bench/rows");
  const deleted = Object.fromEntries(Object.entries(before).map(([table, n]) => [table, n - (after[table] ?? 0)]));
  return { counts: counted, deleted };
}

/**
 * Builds and serves the cost Worker, runs every scenario (each followed by a retention run that
 * deletes its rows), and prices each per event.
 */
export async function runCost(
  runDir: string,
  relayBundle: string,
  queuePrefix: string,
  started: DevServer[],
  plan: CostPlan,
  progress: (line: string) => void,
): Promise<CostResult> {
  const bundle = await buildCostWorker(runDir, relayBundle, `${queuePrefix}cost-`);
  const server = await startCostWorker(runDir, bundle, `${queuePrefix}cost-`, started);
  const sink = await startSink();
  const chat = await startChatBots();
  const feishu = chat.bots.find((bot) => bot.kind === "feishu");
  const feishuTarget = chat.targets.find((target) => target.kind === "feishu") as ChatTarget | undefined;
  if (feishu === undefined || feishuTarget === undefined) throw new Error("no fake Feishu bot");
  try {
    const scenarios: ScenarioCost[] = [];
    let retentionRun: ScenarioCost | undefined;
    const measure = async (scenario: Scenario): Promise<ScenarioCost> => {
      for (const [path, route] of Object.entries(scenario.routes ?? {})) sink.route(path, route);
      await putTargets(server, scenario.targets(sink, feishuTarget));
      // The targets document is cached per isolate for a few seconds: let any cached copy expire.
      await sleep(5_500);
      const rate = scenario.rate ?? plan.rate;
      if (!scenario.forged) {
        // One event first, uncounted: what happens once per target (its health row, its rate limiter's
        // table) or once per isolate stays out of the per-event figures.
        const { isolate } = await counts(server);
        const before = feishu.received.length;
        const warm = await send(server, 1, rate, false);
        await quiet(server, isolate, () => scenario.arrived(sink, warm, feishu.received.length - before), "warm-up");
      }
      const { isolate } = await call<{ isolate: string }>(server, "/__bench/reset", "POST");
      const chatBefore = feishu.received.length;
      const sent = await send(server, plan.events, rate, scenario.forged === true);
      const arrived = () => scenario.arrived(sink, sent, feishu.received.length - chatBefore);
      const counted = await quiet(server, isolate, arrived, scenario.name);
      if (feishu.refusals.length > 0) throw new Error(`the fake Feishu bot refused: ${feishu.refusals.join("; ")}`);
      const cost = priced(scenario.name, counted, plan.events);
      const pruned = await retention(server);
      cost.rows_deleted = pruned.deleted;
      // Per event pruned (the warm-up event's rows go too); per refused callback when no event was logged.
      const pruneEvents = pruned.deleted.events || plan.events;
      cost.retention = priced(`${scenario.name}: retention`, pruned.counts, pruneEvents);
      const withRetention = addUnits(cost.units, cost.retention.units);
      cost.paid_month_usd = {
        "1M": monthlyUsdOnPaid(withRetention, 1_000_000),
        "10M": monthlyUsdOnPaid(withRetention, 10_000_000),
      };
      return cost;
    };
    for (const scenario of SCENARIOS) {
      let cost: ScenarioCost;
      try {
        cost = await measure(scenario);
      } catch (error) {
        if (!(error instanceof Reloaded)) throw error;
        progress(`cost: ${error.message}; measuring it again`);
        await retention(server).catch(() => undefined);
        cost = await measure(scenario);
      }
      scenarios.push(cost);
      const retentionCost = cost.retention as ScenarioCost;
      progress(
        `cost: ${scenario.name}: $${cost.usd_per_million} per million events, retention $${retentionCost.usd_per_million}`,
      );
      retentionRun ??= { ...retentionCost, scenario: RETENTION_SCENARIO, rows_deleted: cost.rows_deleted ?? {} };
    }
    if (retentionRun) scenarios.push(retentionRun);
    return { prices_as_of: PRICES_AS_OF, events_per_scenario: plan.events, scenarios, notes: COST_NOTES };
  } finally {
    await sink.close();
    await chat.close();
  }
}

/** Checks the bench holds the relay to: a first-time delivery to one target writes at most 2 D1 rows. */
export function costFindings(result: CostResult): string[] {
  const findings: string[] = [];
  const first = result.scenarios[0];
  if (first && (first.units.d1RowsWritten ?? 0) > 2) {
    findings.push(`cost: a first-time delivery to one target writes ${first.units.d1RowsWritten} D1 rows (target ≤ 2)`);
  }
  return findings;
}
