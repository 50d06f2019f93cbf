import { createHmac, timingSafeEqual } from "node:crypto";
import { Agent, request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Sink, SinkRequest } from "../../test/e2e/harness/sink.ts";
import { nextCallback, type Provider, type SignedCallback, sequenceOfSubject } from "./providers.ts";
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
  /** Give up waiting once no delivery has arrived for this long. */
  idleSeconds: number;
  /** After the last expected delivery, keep listening this long for duplicates. */
  graceSeconds: number;
}

/**
 * Sends `plan.events` distinct signed events (the providers in turn) at a fixed
 * concurrency, then waits for the sink. Latency is the sink's receive time minus
 * the send time; each delivery is tied to its send through the event's subject
 * (see providers.ts); duplicates are `webhook-id`s received more than once.
 */
export async function runE2e(
  relayUrl: string,
  providers: readonly Provider[],
  sink: Sink,
  { secret, path }: { secret: string; path: string },
  plan: E2ePlan,
  progress: (line: string) => void,
): Promise<{ result: E2eResult; badSignatures: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.connections });
  const sentAt = new Map<number, number>();
  const failures: string[] = [];
  let issued = 0;
  const firstSend = Date.now();
  const sender = async () => {
    while (issued < plan.events) {
      const provider = providers[issued++ % providers.length] as Provider;
      const { n, callback } = nextCallback(provider);
      const at = Date.now();
      const answer = await post(agent, relayUrl, callback);
      if (answer.status === callback.expect.status && answer.body === callback.expect.body) sentAt.set(n, at);
      else failures.push(`${callback.label}: ${answer.status} ${answer.body.slice(0, 200)}`);
    }
  };
  await Promise.all(Array.from({ length: plan.connections }, sender));
  agent.destroy();
  progress(
    `sent ${sentAt.size} events in ${((Date.now() - firstSend) / 1000).toFixed(1)} s; ${sink.requests(path).length} delivered so far`,
  );
  if (failures.length > 0) {
    throw new Error(`${failures.length} events were not accepted, e.g. ${failures.slice(0, 3).join("; ")}`);
  }

  const firstDelivery = new Map<number, number>();
  let seen = 0;
  const collect = () => {
    const requests = sink.requests(path);
    for (const request of requests.slice(seen)) {
      const n = sequenceOfSubject(subjectOf(request.body));
      if (n !== undefined && sentAt.has(n) && !firstDelivery.has(n)) firstDelivery.set(n, request.receivedAt);
    }
    seen = requests.length;
  };
  let lastChange = Date.now();
  while (firstDelivery.size < sentAt.size && Date.now() - lastChange < plan.idleSeconds * 1000) {
    const before = seen;
    await sleep(200);
    collect();
    if (seen !== before) lastChange = Date.now();
  }
  const lastDelivery = Math.max(firstSend, ...firstDelivery.values());
  await sleep(plan.graceSeconds * 1000);
  collect();

  const latencies = [...firstDelivery].map(([n, at]) => at - (sentAt.get(n) as number));
  const requests = sink.requests(path);
  const perId = new Map<string, number>();
  for (const request of requests) perId.set(request.webhookId ?? "", (perId.get(request.webhookId ?? "") ?? 0) + 1);
  const duplicates = [...perId.values()].reduce((sum, count) => sum + count - 1, 0);
  const delivered = firstDelivery.size;
  return {
    result: {
      events: sentAt.size,
      delivered,
      lost: sentAt.size - delivered,
      duplicates,
      events_per_s: round(delivered / ((lastDelivery - firstSend) / 1000), 1),
      p50_ms: round(percentile(latencies, 50), 0),
      p99_ms: round(percentile(latencies, 99), 0),
    },
    badSignatures: requests.filter((request) => !signedWith(secret, request)).length,
  };
}

function subjectOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { subject?: unknown }).subject;
  } catch {
    return undefined;
  }
}

/** Standard Webhooks: `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, key = base64 after `whsec_`. */
function signedWith(secret: string, request: SinkRequest): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const { headers, body } = request;
  const signed = `${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`;
  const expected = createHmac("sha256", key).update(signed).digest();
  return (headers["webhook-signature"] ?? "").split(" ").some((part) => {
    const given = Buffer.from(part.replace(/^v1,/, ""), "base64");
    return part.startsWith("v1,") && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** One POST over a keep-alive agent (cheaper for this 2-core machine than fetch). */
function post(agent: Agent, base: string, callback: SignedCallback): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const headers = { ...callback.headers, "content-length": String(Buffer.byteLength(callback.body)) };
    const request = httpRequest(`${base}${callback.path}`, { method: callback.method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    request.on("error", (error) => resolve({ status: 0, body: error.message }));
    request.setTimeout(15_000, () => request.destroy(new Error("no answer within 15 s")));
    request.end(callback.body);
  });
}
