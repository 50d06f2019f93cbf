import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { RelayEvent } from "../../src/events";
import worker from "../../src/index";
import { envWith, recordQueue, type VarOverrides } from "./queue";

export interface WorkerCall {
  response: Response;
  /** Events the request put on EVENTS_QUEUE. */
  enqueued: RelayEvent[];
}

/**
 * Calls the worker's fetch handler directly with the test env (some vars changed by `overrides`;
 * unset one with `undefined`), recording what it enqueued. The events also reach the real local
 * queue, whose consumer runs as in production, unless `passThrough` is false (for tests that send
 * many callbacks and only look at what was enqueued); `queueFailure` makes the enqueue fail instead.
 */
export async function callWorker(
  request: Request,
  overrides: VarOverrides = {},
  options: { queueFailure?: Error; passThrough?: boolean } = {},
): Promise<WorkerCall> {
  const recorder = recordQueue(env.EVENTS_QUEUE, {
    failWith: options.queueFailure,
    passThrough: options.passThrough ?? true,
  });
  try {
    const ctx = createExecutionContext();
    const response = await worker.fetch(request, envWith(overrides), ctx);
    await waitOnExecutionContext(ctx);
    // The events sent, one message each or carried together in an `events` message (not spilled ones).
    const enqueued = recorder.sent.flatMap(({ body }) =>
      body.kind === "event" ? [body.event] : body.kind === "events" ? (body.events ?? []) : [],
    );
    return { response, enqueued };
  } finally {
    recorder.restore();
  }
}
