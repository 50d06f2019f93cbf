/**
 * Runs before every worker-level test file: the bindings refuse what Cloudflare refuses in
 * production (test/support/production/*), each invocation of the worker (a request, a queue
 * batch, a cron run) counts its operations against its budget, and a test that broke any
 * limit fails after it, even when the relay caught the error the double threw. A request (ingest or
 * admin) and a cron run get the Free plan's 50; a consumer batch 50 per message, at most the Paid
 * plan's 1,000.
 */
import { afterEach } from "vitest";
import worker from "../../../src/index";
import { installD1Double } from "./d1";
import { installDurableObjectDouble } from "./durable-objects";
import { installFetchDouble } from "./fetch";
import { installKvDouble } from "./kv";
import { PRODUCTION } from "./limits";
import { asInvocation, takeViolations } from "./operations";
import { installQueueDouble } from "./queue";

installQueueDouble();
installKvDouble();
installD1Double();
installFetchDouble();
installDurableObjectDouble();

const { fetch, queue, scheduled } = worker;

worker.fetch = ((request: Request, ...rest: unknown[]) =>
  asInvocation(`fetch ${request.method} ${new URL(request.url).pathname}`, PRODUCTION.freeOperations, () =>
    (fetch as (...args: unknown[]) => unknown)(request, ...rest),
  )) as typeof fetch;

worker.queue = ((batch: MessageBatch<never>, ...rest: unknown[]) =>
  asInvocation(
    `queue ${batch.queue} (${batch.messages.length} messages)`,
    Math.min(PRODUCTION.freeOperations * Math.max(batch.messages.length, 1), PRODUCTION.paidOperations),
    () => (queue as (...args: unknown[]) => unknown)(batch, ...rest),
  )) as typeof queue;

worker.scheduled = ((...args: unknown[]) =>
  asInvocation("scheduled", PRODUCTION.freeOperations, () =>
    (scheduled as (...args: unknown[]) => unknown)(...args),
  )) as typeof scheduled;

afterEach(() => {
  const broken = takeViolations();
  if (broken.length > 0) {
    throw new Error(`production limits broken in this test (Cloudflare would refuse):\n- ${broken.join("\n- ")}`);
  }
});
