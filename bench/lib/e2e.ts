import { Agent } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Sink, SinkRequest } from "../../tools/harness/sink.ts";
import { post, signedWith } from "./http.ts";
import { nextCallback, type Provider, sequenceOfSubject } from "./providers.ts";
import { percentile, round } from "./stats.ts";

export interface E2eResult {
  events: number;
  delivered: number;
  lost: number;
  duplicates: number;
  events_per_s: number;
  p50_ms: number;
  p99_ms: number;
}

export interface E2ePlan {
  events: number;
  connections: number;
  /** The paced phase: events per second, for this many seconds. */
  pacedRate: number;
  pacedSeconds: number;
  /** Give up waiting once no delivery has arrived for this long. */
  idleSeconds: number;
  /** After the last expected delivery, keep listening this long for duplicates. */
  graceSeconds: number;
}

export interface E2eTarget {
  relayUrl: string;
  providers: readonly Provider[];
  sink: Sink;
  /** The sink path the relay delivers to, and the target's whsec_ secret. */
  path: string;
  secret: string;
}

/** Sent events: n → send time (ms), for accepted ones only; anything else stops the benchmark. */
type Sent = Map<number, number>;

/**
 * The burst: `plan.events` distinct signed events (the providers in turn) as fast as
 * `plan.connections` connections allow. Its events/s is what the pipeline sustains;
 * its latency includes the queue backlog the burst builds.
 */
export async function runBurst(target: E2eTarget, plan: E2ePlan, progress: (line: string) => void) {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.connections });
  const sent: Sent = new Map();
  const failures: string[] = [];
  let issued = 0;
  const firstSend = Date.now();
  const sender = async () => {
    while (issued < plan.events) await sendOne(target, issued++, agent, sent, failures);
  };
  await Promise.all(Array.from({ length: plan.connections }, sender));
  agent.destroy();
  progress(`burst: ${sent.size} events accepted in ${((Date.now() - firstSend) / 1000).toFixed(1)} s`);
  return settle(target, sent, failures, firstSend, plan);
}

/**
 * The paced phase: a steady `plan.pacedRate` events per second, well below what the
 * pipeline sustains, so latency is the pipeline's own and not a backlog's.
 */
export async function runPaced(target: E2eTarget, plan: E2ePlan, progress: (line: string) => void) {
  const agent = new Agent({ keepAlive: true });
  const sent: Sent = new Map();
  const failures: string[] = [];
  const total = Math.round(plan.pacedRate * plan.pacedSeconds);
  const firstSend = Date.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    await sleep(Math.max(0, firstSend + (i * 1000) / plan.pacedRate - Date.now()));
    sends.push(sendOne(target, i, agent, sent, failures));
  }
  await Promise.all(sends);
  agent.destroy();
  progress(`paced: ${sent.size} events accepted at ${plan.pacedRate}/s`);
  return settle(target, sent, failures, firstSend, plan);
}

async function sendOne(target: E2eTarget, i: number, agent: Agent, sent: Sent, failures: string[]): Promise<void> {
  const { n, callback } = nextCallback(target.providers[i % target.providers.length] as Provider);
  const at = Date.now();
  const answer = await post(agent, target.relayUrl, callback);
  if (answer.status === callback.expect.status && answer.body === callback.expect.body) sent.set(n, at);
  else failures.push(`${callback.label}: ${answer.status} ${answer.body.slice(0, 200)}`);
}

/**
 * Waits for the sink (until every event arrived, or nothing arrived for `idleSeconds`),
 * listens `graceSeconds` longer for duplicates, and counts. A delivery is tied to its
 * send through the event's subject (see providers.ts).
 */
async function settle(target: E2eTarget, sent: Sent, failures: string[], firstSend: number, plan: E2ePlan) {
  if (failures.length > 0) {
    throw new Error(`${failures.length} events were not accepted, e.g. ${failures.slice(0, 3).join("; ")}`);
  }
  const first = new Map<number, number>();
  const ours: SinkRequest[] = [];
  let seen = 0;
  const collect = () => {
    const requests = target.sink.requests(target.path);
    for (const request of requests.slice(seen)) {
      const n = sequenceOfSubject(subjectOf(request.body));
      if (n === undefined || !sent.has(n)) continue;
      ours.push(request);
      if (!first.has(n)) first.set(n, request.receivedAt);
    }
    seen = requests.length;
  };
  let lastChange = Date.now();
  while (first.size < sent.size && Date.now() - lastChange < plan.idleSeconds * 1000) {
    const before = seen;
    await sleep(200);
    collect();
    if (seen !== before) lastChange = Date.now();
  }
  const lastDelivery = Math.max(firstSend, ...first.values());
  await sleep(plan.graceSeconds * 1000);
  collect();

  const latencies = [...first].map(([n, at]) => at - (sent.get(n) as number));
  const perId = new Map<string, number>();
  for (const request of ours) perId.set(request.webhookId ?? "", (perId.get(request.webhookId ?? "") ?? 0) + 1);
  const result: E2eResult = {
    events: sent.size,
    delivered: first.size,
    lost: sent.size - first.size,
    duplicates: [...perId.values()].reduce((sum, count) => sum + count - 1, 0),
    events_per_s: round(first.size / ((lastDelivery - firstSend) / 1000), 1),
    p50_ms: round(percentile(latencies, 50), 0),
    p99_ms: round(percentile(latencies, 99), 0),
  };
  return { result, badSignatures: ours.filter((request) => !signedWith(target.secret, request)).length };
}

function subjectOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { subject?: unknown }).subject;
  } catch {
    return undefined;
  }
}
