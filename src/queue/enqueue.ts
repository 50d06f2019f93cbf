import type { RelayEvent } from "../events";
import type { EventMessage, QueueMessage } from "./messages";

/** Cloudflare Queues: at most 100 messages and 256 KB in one `sendBatch`. */
const MAX_BATCH_MESSAGES = 100;
const MAX_BATCH_BYTES = 250_000;

/** Sends the events durably; resolves only once every one is queued. */
export async function enqueueEvents(
  queue: Queue<QueueMessage>,
  events: readonly RelayEvent[],
  receivedAt: number,
): Promise<void> {
  const bodies = events.map((event): EventMessage => ({ kind: "event", event, receivedAt }));
  const [only] = bodies;
  if (bodies.length === 1 && only) {
    await queue.send(only, { contentType: "json" });
    return;
  }

  const batches: MessageSendRequest<QueueMessage>[][] = [];
  let batch: MessageSendRequest<QueueMessage>[] = [];
  let bytes = 0;
  for (const body of bodies) {
    // Upper bound of the UTF-8 size without encoding: at most 3 bytes per UTF-16 unit.
    const size = JSON.stringify(body).length * 3;
    if (batch.length === MAX_BATCH_MESSAGES || (batch.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push({ body, contentType: "json" });
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  await Promise.all(batches.map((chunk) => queue.sendBatch(chunk)));
}
