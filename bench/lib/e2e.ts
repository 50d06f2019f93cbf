import { Agent, request as httpRequest } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchProvider, SignedRequest } from "./providers.ts";
import { now, type Sink } from "./sink.ts";
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
 * the send time, matched through the marker every event carries in `data.raw`;
 * duplicates are repeated `webhook-id`s.
 */
export async function runE2e(
  relayUrl: string,
  providers: readonly BenchProvider[],
  sink: Sink,
  plan: E2ePlan,
  nextMarker: () => string,
  progress: (line: string) => void,
): Promise<{ result: E2eResult; badSignatures: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.connections });
  const sentAt = new Map<string, number>();
  const failures: string[] = [];
  let issued = 0;
  const firstSend = now();
  const sender = async () => {
    while (issued < plan.events) {
      const seq = issued++;
      const provider = providers[seq % providers.length] as BenchProvider;
      const signed = provider.build(nextMarker(), seq, Date.now());
      const at = now();
      const { status, body } = await post(agent, relayUrl, signed);
      if (status === 200 && provider.isSuccess(body)) sentAt.set(signed.marker, at);
      else if (failures.length < 5) failures.push(`${provider.name}: ${status} ${body.slice(0, 200)}`);
      else failures.push("");
    }
  };
  await Promise.all(Array.from({ length: plan.connections }, sender));
  agent.destroy();
  const sendSeconds = (now() - firstSend) / 1000;
  progress(`sent ${sentAt.size} events in ${sendSeconds.toFixed(1)} s; ${sink.deliveries.length} delivered so far`);
  if (failures.length > 0) {
    throw new Error(`${failures.length} events were not accepted: ${failures.filter(Boolean).join("; ")}`);
  }

  const firstDelivery = new Map<string, number>();
  const collect = () => {
    for (const delivery of sink.deliveries) {
      if (delivery.marker !== undefined && !firstDelivery.has(delivery.marker)) {
        firstDelivery.set(delivery.marker, delivery.at);
      }
    }
  };
  let lastCount = -1;
  let lastChange = now();
  while (true) {
    collect();
    if (sink.deliveries.length !== lastCount) {
      lastCount = sink.deliveries.length;
      lastChange = now();
    }
    const complete = [...sentAt.keys()].every((marker) => firstDelivery.has(marker));
    if (complete || now() - lastChange > plan.idleSeconds * 1000) break;
    await sleep(200);
  }
  const lastDelivery = Math.max(...[...firstDelivery.values()]);
  await sleep(plan.graceSeconds * 1000);
  collect();

  const latencies: number[] = [];
  for (const [marker, at] of sentAt) {
    const delivered = firstDelivery.get(marker);
    if (delivered !== undefined) latencies.push(delivered - at);
  }
  const perId = new Map<string, number>();
  for (const delivery of sink.deliveries) perId.set(delivery.webhookId, (perId.get(delivery.webhookId) ?? 0) + 1);
  const duplicates = [...perId.values()].reduce((sum, count) => sum + count - 1, 0);
  const delivered = latencies.length;
  return {
    result: {
      events: sentAt.size,
      delivered,
      lost: sentAt.size - delivered,
      duplicates,
      events_per_s: round(delivered / ((lastDelivery - firstSend) / 1000), 1),
      p50_ms: round(percentile(latencies, 50), 1),
      p99_ms: round(percentile(latencies, 99), 1),
    },
    badSignatures: sink.deliveries.filter((delivery) => !delivery.signatureOk).length,
  };
}

function post(agent: Agent, base: string, signed: SignedRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const request = httpRequest(
      `${base}${signed.path}`,
      { method: "POST", agent, headers: { ...signed.headers, "content-length": Buffer.byteLength(signed.body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    request.on("error", (error) => resolve({ status: 0, body: error.message }));
    request.setTimeout(15_000, () => request.destroy(new Error("no answer within 15 s")));
    request.end(signed.body);
  });
}
