import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Env } from "../../src/env";
import type { RelayEvent } from "../../src/events";
import worker from "../../src/index";
import type { QueueMessage } from "../../src/queue/messages";

/**
 * The real local queue, with a record of every message sent through it, so a
 * test can assert exactly what was enqueued (and that nothing was). `failWith`
 * makes sends reject, as a Queues outage would.
 */
export function recordingQueue(real: Queue<QueueMessage>, failWith?: Error) {
  const sent: QueueMessage[] = [];
  const queue = {
    async send(body: QueueMessage, options?: QueueSendOptions) {
      if (failWith) throw failWith;
      const result = await real.send(body, options);
      sent.push(body);
      return result;
    },
    async sendBatch(messages: Iterable<MessageSendRequest<QueueMessage>>, options?: QueueSendBatchOptions) {
      if (failWith) throw failWith;
      const list = [...messages];
      const result = await real.sendBatch(list, options);
      sent.push(...list.map((message) => message.body));
      return result;
    },
    async metrics() {
      return real.metrics();
    },
  } as Queue<QueueMessage>;
  return {
    queue,
    sent,
    /** The events sent, one message each or carried together in an `events` message (not spilled ones). */
    events: (): RelayEvent[] =>
      sent.flatMap((m) => (m.kind === "event" ? [m.event] : m.kind === "events" ? (m.events ?? []) : [])),
  };
}

export interface WorkerCall {
  response: Response;
  /** Events the request put on EVENTS_QUEUE. */
  enqueued: RelayEvent[];
}

/**
 * Calls the worker's fetch handler directly with the test env (plus overrides),
 * recording what it enqueued. Unset a binding by overriding it with `undefined`.
 */
export async function callWorker(
  request: Request,
  overrides: Partial<Record<keyof Env | string, unknown>> = {},
  options: { queueFailure?: Error } = {},
): Promise<WorkerCall> {
  const recorder = recordingQueue(env.EVENTS_QUEUE, options.queueFailure);
  const testEnv = { ...env, ...overrides, EVENTS_QUEUE: recorder.queue } as Env;
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return { response, enqueued: recorder.events() };
}
