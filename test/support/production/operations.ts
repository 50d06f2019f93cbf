import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Operations on other services (outbound fetch, KV, D1, Queues) counted per invocation, as
 * Cloudflare counts them: a request (ingest or admin) may make at most 50, so the relay runs on
 * the Free plan; a consumer invocation at most 50 per message of its batch (and never more than
 * the Paid plan's 1,000). The count follows the invocation's async context, so work a request
 * leaves to `waitUntil` is counted against that request, and work of a consumer running in the
 * background against that consumer, never against the test's own setup.
 */
export interface Invocation {
  /** `fetch POST /admin/targets/crm/resume`, `queue meeting-relay-events (10 messages)`, `scheduled`. */
  readonly name: string;
  readonly budget: number;
  operations: number;
  /** Each operation, in order: `kv.get`, `queue.sendBatch`, `d1.all`, `fetch`. */
  readonly log: string[];
  /** Outbound fetches open now, and those waiting for one of them to close. */
  readonly connections: { open: number; waiting: (() => void)[] };
}

const current = new AsyncLocalStorage<Invocation>();
const violations: string[] = [];
const recent: Invocation[] = [];

/** Runs `work` as one invocation with its own count. */
export function asInvocation<T>(name: string, budget: number, work: () => T): T {
  const invocation: Invocation = { name, budget, operations: 0, log: [], connections: { open: 0, waiting: [] } };
  recent.push(invocation);
  if (recent.length > 1000) recent.shift();
  return current.run(invocation, work);
}

/**
 * The invocations since the last call (at most the last 1,000), emptied: a test reads how many
 * operations each request or batch made (`operations`, and `log` for which).
 */
export function takeInvocations(): Invocation[] {
  return recent.splice(0, recent.length);
}

/** The invocation the caller runs in, if any. */
export function currentInvocation(): Invocation | undefined {
  return current.getStore();
}

/** A limit production enforces, broken: recorded (the test fails after it) and thrown (as production would). */
export class ProductionLimitError extends Error {
  override name = "ProductionLimitError";
}

export function refuse(message: string): never {
  violations.push(message);
  throw new ProductionLimitError(message);
}

/**
 * Counts one operation of the current invocation (`units` for a D1 batch of several
 * statements); past the invocation's budget it is refused. Outside any invocation (a
 * test's own setup and assertions) nothing is counted.
 */
export function countOperation(what: string, units = 1): void {
  const invocation = current.getStore();
  if (invocation === undefined) return;
  invocation.operations += units;
  invocation.log.push(units === 1 ? what : `${what}×${units}`);
  if (invocation.operations > invocation.budget) {
    refuse(
      `${invocation.name} made ${invocation.operations} operations, more than its budget of ${invocation.budget} (${summarize(invocation.log)})`,
    );
  }
}

function summarize(log: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const entry of log) counts.set(entry, (counts.get(entry) ?? 0) + 1);
  return [...counts].map(([what, n]) => `${n} ${what}`).join(", ");
}

/** Every limit broken since the last call, emptied. The setup fails each test that leaves any. */
export function takeViolations(): string[] {
  return violations.splice(0, violations.length);
}
