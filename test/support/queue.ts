import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import type { DeliveryMessage, QueueMessage } from "../../src/queue/messages";
import { recordingQueue } from "./worker";

export interface QueueRun {
  acked: string[];
  /** Every retried message with the delay it asked for (`createMessageBatch` itself does not keep delays). */
  retried: { id: string; delaySeconds: number | undefined }[];
  /** What the consumer put on DELIVERIES_QUEUE. */
  queued: DeliveryMessage[];
}

/** Runs the real queue handler on one batch; message ids are m0, m1, … */
export async function runQueue(
  queueName: string,
  bodies: QueueMessage[],
  options: { attempts?: number; env?: Partial<Record<string, unknown>> } = {},
): Promise<QueueRun> {
  const batch = createMessageBatch<QueueMessage>(
    queueName,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: options.attempts ?? 1, body })),
  );
  const retried: QueueRun["retried"] = [];
  for (const message of batch.messages) {
    const original = message.retry.bind(message);
    vi.spyOn(message, "retry").mockImplementation((retryOptions?: QueueRetryOptions) => {
      retried.push({ id: message.id, delaySeconds: retryOptions?.delaySeconds });
      original(retryOptions);
    });
  }
  const deliveries = recordingQueue(env.DELIVERIES_QUEUE);
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...options.env, DELIVERIES_QUEUE: deliveries.queue } as Env);
  const result = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks, retried, queued: deliveries.sent as DeliveryMessage[] };
}
