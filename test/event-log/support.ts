import { env } from "cloudflare:workers";
import type { RelayEvent } from "../../src/core/cloud-event";
import { forgetHealthWrites } from "../../src/event-log/health";
import { type AttemptRecord, EventJournal } from "../../src/event-log/journal";
import worker from "../../src/index";
import { TEST_BINDINGS } from "../support/bindings";
import { envWith, type QueueFailure, recordQueue, type VarOverrides } from "../support/queue";
import { reset } from "../support/reset";

/** Empties every binding (D1 included), puts the event log's tables back, and forgets health writes. */
export async function resetAll(): Promise<void> {
  forgetHealthWrites();
  await reset();
}

/** Writes rows through the real writer, as a queue invocation would. */
export async function logRows(
  accepted: { event: RelayEvent; receivedAt: number }[],
  attempts: AttemptRecord[] = [],
): Promise<void> {
  const journal = new EventJournal();
  for (const { event, receivedAt } of accepted) journal.accepted(event, receivedAt);
  for (const attempt of attempts) journal.attempt(attempt);
  await journal.flush(env.RELAY_LOG);
}

/** Rows of one event-log table, in insertion order. */
export async function tableRows(
  table: "events" | "attempts" | "refusals" | "replay_claims",
): Promise<Record<string, unknown>[]> {
  const order = { attempts: "seq", events: "received_at, id", refusals: "hour, reason", replay_claims: "letter" }[
    table
  ];
  const { results } = await env.RELAY_LOG.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all();
  return results;
}

/** Calls the admin API with recording queues (nothing reaches a real consumer). */
export async function adminCall(
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; env?: VarOverrides; queueFailure?: QueueFailure } = {},
) {
  const deliveries = recordQueue(env.DELIVERIES_QUEUE, { failWith: options.queueFailure });
  const events = recordQueue(env.EVENTS_QUEUE);
  try {
    const request = new Request(`http://relay.test${path}`, {
      method,
      headers: options.headers ?? { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` },
      ...(options.body === undefined ? {} : { body: options.body }),
    });
    const response = await worker.fetch(request, envWith(options.env), {} as ExecutionContext);
    return { response, body: (await response.json()) as Record<string, unknown>, deliveries, events };
  } finally {
    deliveries.restore();
    events.restore();
  }
}
