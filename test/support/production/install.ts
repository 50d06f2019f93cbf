/**
 * Runs before every worker-level test file: the bindings refuse what Cloudflare refuses in
 * production (test/support/production/*), each invocation of the worker (a request, a queue
 * batch, a cron run) counts its operations against its budget, and a test that broke any
 * limit fails after it, even when the relay caught the error the double threw.
 */
import { afterEach } from "vitest";
import worker from "../../../src/index";
import {
  MESSAGE_OPERATION_BUDGET,
  PAID_OPERATIONS_PER_INVOCATION,
  REQUEST_OPERATION_BUDGET,
} from "../../../src/lib/limits";
import { installD1Double } from "./d1";
import { installFetchDouble } from "./fetch";
import { installKvDouble } from "./kv";
import { asInvocation, takeViolations } from "./operations";
import { installQueueDouble } from "./queue";

installQueueDouble();
installKvDouble();
installD1Double();
installFetchDouble();

const { fetch, queue, scheduled } = worker;

worker.fetch = ((request: Request, ...rest: unknown[]) =>
  asInvocation(`fetch ${request.method} ${new URL(request.url).pathname}`, REQUEST_OPERATION_BUDGET, () =>
    (fetch as (...args: unknown[]) => unknown)(request, ...rest),
  )) as typeof fetch;

worker.queue = ((batch: MessageBatch<never>, ...rest: unknown[]) =>
  asInvocation(
    `queue ${batch.queue} (${batch.messages.length} messages)`,
    Math.min(MESSAGE_OPERATION_BUDGET * Math.max(batch.messages.length, 1), PAID_OPERATIONS_PER_INVOCATION),
    () => (queue as (...args: unknown[]) => unknown)(batch, ...rest),
  )) as typeof queue;

worker.scheduled = ((...args: unknown[]) =>
  asInvocation("scheduled", REQUEST_OPERATION_BUDGET, () =>
    (scheduled as (...args: unknown[]) => unknown)(...args),
  )) as typeof scheduled;

afterEach(() => {
  const broken = takeViolations();
  if (broken.length > 0) {
    throw new Error(`production limits broken in this test (Cloudflare would refuse):\n- ${broken.join("\n- ")}`);
  }
});
