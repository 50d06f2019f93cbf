import { env } from "cloudflare:workers";
import { PRODUCTION } from "./limits";

const {
  queueBatchBytes: QUEUE_BATCH_BYTES,
  queueBatchMessages: QUEUE_BATCH_MESSAGES,
  queueMaxDelaySeconds: QUEUE_MAX_DELAY_SECONDS,
  queueMessageBytes: QUEUE_MESSAGE_BYTES,
  queueMessageMetadataBytes: METADATA_BYTES,
} = PRODUCTION;

import { countOperation, refuse } from "./operations";

/**
 * Cloudflare Queues as strict as production: a message over 128 KB, a `sendBatch` of more
 * than 100 messages or 256 KB, or a delay over 12 h is refused. Each message counts its body and
 * Queues' own metadata (100 bytes) against both limits, as production counts them. Each `send` or `sendBatch`
 * is one operation of the invocation.
 */
type AnyQueue = Queue<unknown>;
const prototype = Object.getPrototypeOf(env.EVENTS_QUEUE) as AnyQueue;

/** The runtime's own methods, for a recorder that checks first and then passes a send on. */
export const realQueue = { send: prototype.send, sendBatch: prototype.sendBatch };

/** A body's size as Queues counts it with `contentType: "json"`: the UTF-8 bytes of its JSON. */
export function bodyBytes(body: unknown): number {
  return new TextEncoder().encode(JSON.stringify(body) ?? "").byteLength;
}

function checkDelay(where: string, delaySeconds: number | undefined): void {
  if (delaySeconds === undefined) return;
  if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > QUEUE_MAX_DELAY_SECONDS) {
    refuse(`${where}: delaySeconds ${delaySeconds} is not a whole number from 0 to ${QUEUE_MAX_DELAY_SECONDS}`);
  }
}

function checkMessage(where: string, body: unknown): number {
  const bytes = bodyBytes(body) + METADATA_BYTES;
  if (bytes > QUEUE_MESSAGE_BYTES)
    refuse(`${where}: a message of ${bytes} bytes with its metadata exceeds ${QUEUE_MESSAGE_BYTES}`);
  return bytes;
}

/** What production checks before it takes a `send`; counts the operation. */
export function checkSend(body: unknown, options?: QueueSendOptions): void {
  countOperation("queue.send");
  checkMessage("Queue send", body);
  checkDelay("Queue send", options?.delaySeconds);
}

/** What production checks before it takes a `sendBatch`; counts the operation. */
export function checkSendBatch(messages: Iterable<MessageSendRequest<unknown>>, options?: QueueSendBatchOptions): void {
  countOperation("queue.sendBatch");
  const list = [...messages];
  if (list.length > QUEUE_BATCH_MESSAGES) {
    refuse(`Queue sendBatch: ${list.length} messages exceed ${QUEUE_BATCH_MESSAGES}`);
  }
  let total = 0;
  for (const message of list) {
    total += checkMessage("Queue sendBatch", message.body);
    checkDelay("Queue sendBatch", message.delaySeconds);
  }
  if (total > QUEUE_BATCH_BYTES)
    refuse(`Queue sendBatch: ${total} bytes in one batch, with each message's metadata, exceed ${QUEUE_BATCH_BYTES}`);
  checkDelay("Queue sendBatch", options?.delaySeconds);
}

/** A consumer's `message.retry({ delaySeconds })` is held to the same 12 h. */
export function checkRetry(options?: QueueRetryOptions): void {
  checkDelay("Message retry", options?.delaySeconds);
}

export function installQueueDouble(): void {
  prototype.send = function send(this: AnyQueue, body: unknown, options?: QueueSendOptions) {
    checkSend(body, options);
    return realQueue.send.call(this, body, options);
  };
  prototype.sendBatch = function sendBatch(
    this: AnyQueue,
    messages: Iterable<MessageSendRequest<unknown>>,
    options?: QueueSendBatchOptions,
  ) {
    const list = [...messages];
    checkSendBatch(list, options);
    return realQueue.sendBatch.call(this, list, options);
  };
}
