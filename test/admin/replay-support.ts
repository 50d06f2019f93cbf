import { env } from "cloudflare:workers";
import type { RelayEvent } from "../../src/core/cloud-event";
import type { Env } from "../../src/core/env";
import type { DeadLetter, DeadLetterMetadata, DeadLetterReason } from "../../src/delivery/dead-letters/store";
import { deadLetterId } from "../../src/delivery/dead-letters/store";
import worker from "../../src/index";
import type { DeliveryMessage, EventMessage, QueueMessage } from "../../src/queue/messages";
import { TEST_BINDINGS } from "../support/bindings";
import { sampleEvent } from "../support/events";
import { aSecondPasses } from "../support/production/kv";
import { takeInvocations } from "../support/production/operations";
import { type QueueFailure, recordQueue, type Sent } from "../support/queue";

/** Shared by the paged replay tests (resume and bulk replay). */
export interface Seed {
  target: string;
  reason: DeadLetterReason;
  /** The event id; `e<n>` by default. */
  eventId?: string;
  event?: RelayEvent;
  firstAttemptAt?: string;
  lastAttemptAt?: string;
  /** Written as records were before they carried KV metadata (read to be filtered). */
  legacy?: boolean;
}

/** Writes dead letters straight into local KV, 100 at a time; returns the records. */
export async function seed(seeds: readonly Seed[]): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for (let i = 0; i < seeds.length; i += 100) {
    const chunk = seeds.slice(i, i + 100);
    letters.push(
      ...(await Promise.all(
        chunk.map(async (spec, j) => {
          const event = spec.event ?? sampleEvent(spec.eventId ?? `e${i + j}`);
          const letter: DeadLetter = {
            id: await deadLetterId(spec.target, event.id),
            target: spec.target,
            reason: spec.reason,
            event,
            attempts: spec.reason === "failed" ? 12 : 0,
            lastStatus: null,
            lastError: "seeded",
            firstAttemptAt: spec.firstAttemptAt ?? "2026-11-20T10:00:00.000Z",
            lastAttemptAt: spec.lastAttemptAt ?? "2026-11-21T10:00:00.000Z",
          };
          const metadata: DeadLetterMetadata = {
            reason: letter.reason,
            firstAttemptAt: letter.firstAttemptAt,
            lastAttemptAt: letter.lastAttemptAt,
          };
          await env.RELAY_STATE.put(`dead:${letter.id}`, JSON.stringify(letter), spec.legacy ? {} : { metadata });
          return letter;
        }),
      )),
    );
  }
  return letters;
}

/** Every dead letter in local KV, read outside any request. */
export async function storedLetters(): Promise<DeadLetter[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.RELAY_STATE.list({ prefix: "dead:", ...(cursor === undefined ? {} : { cursor }) });
    names.push(...page.keys.map((key) => key.name));
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
  const letters: DeadLetter[] = [];
  for (let i = 0; i < names.length; i += 100) {
    const values = await env.RELAY_STATE.get<DeadLetter>(names.slice(i, i + 100), "json");
    for (const value of values.values()) if (value !== null) letters.push(value);
  }
  return letters;
}

export interface PagedCall {
  status: number;
  body: Record<string, unknown>;
  /** What the call queued, on either queue, in order. */
  queued: Sent[];
  /** The operations the request made, as production counts them. */
  operations: number;
}

/** One admin `POST` straight to the worker, with recording queues; `failWith` makes sends fail. */
export async function post(path: string, body?: string, failWith?: QueueFailure): Promise<PagedCall> {
  const deliveries = recordQueue(env.DELIVERIES_QUEUE, { failWith });
  const events = recordQueue(env.EVENTS_QUEUE, { failWith });
  try {
    takeInvocations();
    const request = new Request(`http://relay.test${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` },
      ...(body === undefined ? {} : { body }),
    });
    const response = await worker.fetch(request, env as Env, {} as ExecutionContext);
    const [invocation] = takeInvocations();
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      queued: [...deliveries.sent, ...events.sent],
      operations: invocation?.operations ?? Number.NaN,
    };
  } finally {
    deliveries.restore();
    events.restore();
  }
}

/**
 * Calls `path` until its answer says nothing remains (at most `limit` calls), a second apart as the console
 * pages (KV takes one write of the call's progress record per second: a caller that pages at once waits for
 * it, test/admin/kv-write-rate.test.ts); every call's answer.
 */
export async function untilDone(path: string, body?: string, limit = 400): Promise<PagedCall[]> {
  const calls: PagedCall[] = [];
  do {
    if (calls.length > 0) aSecondPasses();
    calls.push(await post(path, body));
  } while (calls.at(-1)?.body.remaining === true && calls.length < limit);
  return calls;
}

/** `<event id> → <target>` of a queued replay, to count each pair. */
export function pairOf(sent: Sent): string {
  const body = sent.body as QueueMessage;
  if (body.kind === "delivery") return `${(body as DeliveryMessage).event.id} → ${body.target}`;
  return `${(body as EventMessage).event.id} → *`;
}
