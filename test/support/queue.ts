import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import type { Env } from "../../src/core/env";
import worker from "../../src/index";
import type { QueueMessage } from "../../src/queue/messages";
import { checkRetry, checkSend, checkSendBatch, realQueue } from "./production/queue";

/** A message put on a queue, with the delay it asked for. */
export interface Sent {
  body: QueueMessage;
  delaySeconds: number | undefined;
}

/** Makes a send reject, as a Queues outage would: always, or on the calls (0, 1, …) for which it returns an error. */
export type QueueFailure = Error | ((call: number) => Error | undefined);

export interface RecordedQueue {
  /** Messages the queue accepted. */
  sent: Sent[];
  /** Every `send` (one message) and `sendBatch` call, in order, failed ones included. */
  calls: QueueMessage[][];
  restore(): void;
}

/**
 * Records every message sent on a queue binding (`vi.spyOn` on its `send` and `sendBatch`).
 * By default nothing reaches the real local queue, so no background consumer runs during (or
 * after) a test; `passThrough` also sends it on.
 */
export function recordQueue(
  queue: Queue<QueueMessage>,
  options: { failWith?: QueueFailure | undefined; passThrough?: boolean } = {},
): RecordedQueue {
  const sent: Sent[] = [];
  const calls: QueueMessage[][] = [];
  const fail = (bodies: QueueMessage[]) => {
    const call = calls.push(bodies) - 1;
    const error = typeof options.failWith === "function" ? options.failWith(call) : options.failWith;
    if (error) throw error;
  };
  // Checked as production checks it (and counted) before anything else: a recorded send that
  // Cloudflare would refuse fails the test, whether or not it is passed on.
  const send = vi.spyOn(queue, "send").mockImplementation(async (body, sendOptions) => {
    checkSend(body, sendOptions);
    fail([body]);
    if (options.passThrough) await realQueue.send.call(queue, body, sendOptions);
    sent.push({ body, delaySeconds: sendOptions?.delaySeconds });
    return {} as QueueSendResponse;
  });
  const sendBatch = vi.spyOn(queue, "sendBatch").mockImplementation(async (messages, batchOptions) => {
    const list = [...messages];
    checkSendBatch(list, batchOptions);
    fail(list.map((message) => message.body));
    if (options.passThrough) await realQueue.sendBatch.call(queue, list, batchOptions);
    for (const message of list) sent.push({ body: message.body, delaySeconds: message.delaySeconds });
    return {} as QueueSendBatchResponse;
  });
  return {
    sent,
    calls,
    restore() {
      send.mockRestore();
      sendBatch.mockRestore();
    },
  };
}

/** Vars to set for one call (unset one with `undefined`); bindings are stubbed with `vi.spyOn(env.X, …)`. */
export type VarOverrides = Partial<Record<keyof Env | string, unknown>>;

/** The test env with some vars changed: a new object, so settings are parsed again for it. */
export function envWith(vars: VarOverrides = {}): Env {
  return Object.keys(vars).length === 0 ? (env as Env) : ({ ...env, ...vars } as Env);
}

export interface ConsumerRun {
  /** Ids of explicitly acknowledged messages (m0, m1, …). */
  acked: string[];
  /** Retried messages with the delay each asked for. */
  retried: { msgId: string; delaySeconds: number | undefined }[];
  /** What the consumer put on DELIVERIES_QUEUE. */
  deliveries: Sent[];
  /** Its calls to DELIVERIES_QUEUE, one list per `send` or `sendBatch`. */
  deliveryCalls: QueueMessage[][];
  /** What the consumer put on EVENTS_QUEUE. */
  events: Sent[];
  /** Its calls to EVENTS_QUEUE, one list per `send` or `sendBatch`. */
  eventCalls: QueueMessage[][];
}

/**
 * The one queue runner: the worker's real `queue` handler on one batch built with
 * `createMessageBatch` (message ids m0, m1, …), its outcome read with `getQueueResult`,
 * and what it queued recorded (never sent on, so nothing runs in the background).
 */
export async function consume(
  queueName: string,
  bodies: QueueMessage[],
  options: {
    attempts?: number;
    env?: VarOverrides;
    deliveriesFailWith?: QueueFailure;
    eventsFailWith?: QueueFailure;
    /** The messages' ids (`m0`, `m1`, … when absent): Queues keeps a message's id on every retry of it. */
    ids?: string[];
  } = {},
): Promise<ConsumerRun> {
  const batch = createMessageBatch<QueueMessage>(
    queueName,
    bodies.map((body, i) => ({
      id: options.ids?.[i] ?? `m${i}`,
      timestamp: new Date(),
      attempts: options.attempts ?? 1,
      body,
    })),
  );
  // `getQueueResult` reports which messages were retried but drops the delay they asked for
  // (@cloudflare/vitest-plugin 1.4.10), so the delays are read off `retry` itself.
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    vi.spyOn(message, "retry").mockImplementation((retryOptions?: QueueRetryOptions) => {
      checkRetry(retryOptions);
      delays.set(message.id, retryOptions?.delaySeconds);
      retry(retryOptions);
    });
  }
  const deliveries = recordQueue(env.DELIVERIES_QUEUE, { failWith: options.deliveriesFailWith });
  const events = recordQueue(env.EVENTS_QUEUE, { failWith: options.eventsFailWith });
  try {
    const ctx = createExecutionContext();
    // The consumer takes no ExecutionContext; `ctx` is only what `getQueueResult` waits on.
    await worker.queue(batch, envWith(options.env));
    const result = await getQueueResult(batch, ctx);
    return {
      acked: [...result.explicitAcks].sort(),
      retried: result.retryMessages.map(({ msgId }) => ({ msgId, delaySeconds: delays.get(msgId) })),
      deliveries: deliveries.sent,
      deliveryCalls: deliveries.calls,
      events: events.sent,
      eventCalls: events.calls,
    };
  } finally {
    deliveries.restore();
    events.restore();
  }
}
