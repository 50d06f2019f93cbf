import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { RelayEvent } from "../../src/core/cloud-event";
import worker from "../../src/index";
import type { QueueMessage } from "../../src/queue/messages";
import { envWith, recordQueue, type VarOverrides } from "./queue";

export interface WorkerCall {
  response: Response;
  /** Events the request put on EVENTS_QUEUE. */
  enqueued: RelayEvent[];
  /** Its calls to EVENTS_QUEUE, one list of message bodies per `send` or `sendBatch`. */
  calls: QueueMessage[][];
}

/**
 * Calls the worker's fetch handler directly with the test env (some vars changed by `overrides`;
 * unset one with `undefined`), recording what it enqueued. Nothing reaches the real local queue, so
 * no consumer runs into later tests; a pipeline test that wants the real consumers passes
 * `passThrough: true` and waits for them to settle. `queueFailure` makes the enqueue fail instead.
 */
export async function callWorker(
  request: Request,
  overrides: VarOverrides = {},
  options: { queueFailure?: Error; passThrough?: boolean } = {},
): Promise<WorkerCall> {
  const recorder = recordQueue(env.EVENTS_QUEUE, {
    failWith: options.queueFailure,
    passThrough: options.passThrough ?? false,
  });
  try {
    const ctx = createExecutionContext();
    const response = await worker.fetch(request, envWith(overrides), ctx);
    await waitOnExecutionContext(ctx);
    // The events sent, one message each or carried together in an `events` message (not spilled ones).
    const enqueued = recorder.sent.flatMap(({ body }) =>
      body.kind === "event" ? [body.event] : body.kind === "events" ? (body.events ?? []) : [],
    );
    return { response, enqueued, calls: recorder.calls };
  } finally {
    recorder.restore();
  }
}
