import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sendInBatches } from "../../src/queue/enqueue";
import type { QueueMessage } from "../../src/queue/messages";
import { PRODUCTION } from "../support/production/limits";
import { bodyBytes } from "../support/production/queue";
import { recordQueue } from "../support/queue";

// Queues counts its own metadata (up to ~100 bytes a message) against a sendBatch's 256,000 bytes.
// A full batch of 100 messages whose bodies come to 248,000 bytes is 258,000 with it: production
// refuses the whole batch, so the relay must split it, whatever its own bodies add up to.

function bodyOf(bytes: number): QueueMessage {
  const empty = { kind: "event", pad: "" } as unknown as QueueMessage;
  const body = { kind: "event", pad: "x".repeat(bytes - bodyBytes(empty)) } as unknown as QueueMessage;
  expect(bodyBytes(body)).toBe(bytes);
  return body;
}

describe("a full sendBatch and Queues' own metadata", () => {
  it("splits 100 messages of 2,480 bytes (248,000 in bodies) so that no batch passes 256,000 with metadata", async () => {
    const recorder = recordQueue(env.DELIVERIES_QUEUE);
    try {
      const bodies = Array.from({ length: PRODUCTION.queueBatchMessages }, () => bodyOf(2_480));
      await sendInBatches(
        env.DELIVERIES_QUEUE,
        bodies.map((body) => ({ body })),
      );
      expect(recorder.sent.map(({ body }) => body)).toEqual(bodies);
      expect(recorder.calls.length).toBe(2);
      for (const call of recorder.calls) {
        const total = call.reduce((sum, body) => sum + bodyBytes(body) + PRODUCTION.queueMessageMetadataBytes, 0);
        expect(total).toBeLessThanOrEqual(PRODUCTION.queueBatchBytes);
      }
    } finally {
      recorder.restore();
    }
  });
});
