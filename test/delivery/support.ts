import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import type { Env } from "../../src/env";
import type { RelayEvent } from "../../src/events";
import worker from "../../src/index";
import type { QueueMessage } from "../../src/queue/messages";

/** A message a consumer put on a queue, with the delay it asked for. */
export interface Sent {
  body: QueueMessage;
  delaySeconds: number | undefined;
}

/**
 * A queue that only records: nothing reaches the real local queue, so no
 * background consumer runs during (or after) a test. `calls` has the bodies of
 * each `send` or `sendBatch` call, failed ones included.
 */
export function fakeQueue(options: { failWith?: Error } = {}) {
  const sent: Sent[] = [];
  const calls: QueueMessage[][] = [];
  const queue = {
    async send(body: QueueMessage, sendOptions?: QueueSendOptions) {
      calls.push([body]);
      if (options.failWith) throw options.failWith;
      sent.push({ body, delaySeconds: sendOptions?.delaySeconds });
    },
    async sendBatch(messages: Iterable<MessageSendRequest<QueueMessage>>) {
      const list = [...messages];
      calls.push(list.map((message) => message.body));
      if (options.failWith) throw options.failWith;
      for (const message of list) sent.push({ body: message.body, delaySeconds: message.delaySeconds });
    },
  } as unknown as Queue<QueueMessage>;
  return { queue, sent, calls };
}

export interface ConsumerRun {
  /** Ids of explicitly acknowledged messages (m0, m1, …). */
  acked: string[];
  /** Retried messages with the delay each asked for. */
  retried: { msgId: string; delaySeconds: number | undefined }[];
  /** What the consumer put on DELIVERIES_QUEUE. */
  deliveries: Sent[];
  /** What the consumer put on EVENTS_QUEUE. */
  events: Sent[];
}

/**
 * Runs the worker's real `queue` handler on one batch built with
 * `createMessageBatch`, and reads the outcome with `getQueueResult`.
 * `env` overrides bindings or vars (e.g. `RETRY_SCHEDULE`).
 */
export async function consume(
  queueName: string,
  bodies: QueueMessage[],
  options: { attempts?: number; env?: Partial<Record<keyof Env, unknown>>; deliveriesFailWith?: Error } = {},
): Promise<ConsumerRun> {
  const batch = createMessageBatch<QueueMessage>(
    queueName,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: options.attempts ?? 1, body })),
  );
  // `getQueueResult` reports which messages were retried but drops the delay they asked for
  // (@cloudflare/vitest-plugin 1.4.10), so the delays are read off `retry` itself.
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    vi.spyOn(message, "retry").mockImplementation((retryOptions?: QueueRetryOptions) => {
      delays.set(message.id, retryOptions?.delaySeconds);
      retry(retryOptions);
    });
  }
  const deliveries = fakeQueue(options.deliveriesFailWith ? { failWith: options.deliveriesFailWith } : {});
  const events = fakeQueue();
  const ctx = createExecutionContext();
  const testEnv = {
    ...env,
    ...options.env,
    DELIVERIES_QUEUE: (options.env?.DELIVERIES_QUEUE as Queue<QueueMessage> | undefined) ?? deliveries.queue,
    EVENTS_QUEUE: (options.env?.EVENTS_QUEUE as Queue<QueueMessage> | undefined) ?? events.queue,
  } as Env;
  // The consumer takes no ExecutionContext; `ctx` is only what `getQueueResult` waits on.
  await worker.queue(batch, testEnv);
  const result = await getQueueResult(batch, ctx);
  return {
    acked: [...result.explicitAcks].sort(),
    retried: result.retryMessages.map(({ msgId }) => ({ msgId, delaySeconds: delays.get(msgId) })),
    deliveries: deliveries.sent,
    events: events.sent,
  };
}

export function sampleEvent(id = "tencent-meeting:seq-1:0", overrides: Partial<RelayEvent> = {}): RelayEvent {
  return {
    specversion: "1.0",
    id,
    source: "/webhooks/tencent-meeting",
    type: "meeting.started",
    subject: "6058890385480921052",
    time: "2026-11-21T10:00:00Z",
    datacontenttype: "application/json",
    provider: "tencent-meeting",
    providerevent: "meeting.started",
    data: { meeting: { id: "6058890385480921052" }, raw: {} },
    ...overrides,
  };
}

/** The JSON lines the relay logged through `console.log` while `run` ran. */
export async function loggedLines<T>(run: () => Promise<T>): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const spy = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    const result = await run();
    const lines = spy.mock.calls.flatMap(([first]) => {
      if (typeof first !== "string") return [];
      try {
        return [JSON.parse(first) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    return { result, lines };
  } finally {
    spy.mockRestore();
  }
}

export interface Outbound {
  url: string;
  headers: Headers;
  body: string;
}

/**
 * Replaces outbound `fetch` (the worker shares the test's isolate): `answer`
 * gets each request and may return a response, throw (a network error), or
 * wait for the request's signal (a timeout). No request leaves the machine.
 */
export function mockFetch(answer: (request: Request) => Response | Promise<Response>) {
  const requests: Outbound[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init as RequestInit);
    requests.push({ url: request.url, headers: request.headers, body: await request.clone().text() });
    return answer(request);
  });
  return { requests, restore: () => spy.mockRestore() };
}

/** An answer that never comes: rejects like fetch does when the request's signal aborts. */
export function hang(request: Request): Promise<Response> {
  return new Promise((_, reject) => {
    request.signal.addEventListener("abort", () => reject(request.signal.reason));
  });
}
