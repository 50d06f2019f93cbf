import { env } from "cloudflare:workers";
import { afterEach, beforeEach, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import type { RelayEvent } from "../../src/core/cloud-event";
import type { Env } from "../../src/core/env";
import { type DeadLetter, listDeadLetters, storeDeadLetter } from "../../src/delivery/dead-letters/store";
import worker from "../../src/index";
import type { DeliveryMessage, EventMessage, QueueMessage } from "../../src/queue/messages";
import { TEST_BINDINGS } from "../support/bindings";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { consume, recordQueue } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";

/** Shared by the pause tests: two targets, `crm` (whose answer a test sets) and `audit` (always 204). */
export const EVENTS = "meeting-relay-events";
export const DELIVERIES = "meeting-relay-deliveries";
export const CRM: Target = { id: "crm", url: "https://crm.example.com/in" };
export const AUDIT: Target = { id: "audit", url: "https://audit.example.com/in" };

export const event = (n: number): RelayEvent => sampleEvent(`tencent-meeting:seq-${n}:0`);
export const fresh = (n: number, receivedAt = Date.now()): EventMessage => ({
  kind: "event",
  event: event(n),
  receivedAt,
});
export const pending = (n: number, target = "crm"): DeliveryMessage => ({
  kind: "delivery",
  event: event(n),
  target,
  attemptsBefore: 1,
  firstAttemptAt: Date.now(),
});

/**
 * Registers a fresh state, both targets and an outbound recorder for each test of the file.
 * `crm.status` is what CRM answers (204 unless a test changes it).
 */
export function usePauseFixture() {
  const crm = { status: 204 };
  let outbound: ReturnType<typeof mockFetch>;
  beforeEach(async () => {
    await reset();
    crm.status = 204;
    outbound = mockFetch((request) => new Response(null, { status: request.url === CRM.url ? crm.status : 204 }));
    await useTargets([CRM, AUDIT]);
  });
  afterEach(() => {
    outbound.restore();
    vi.restoreAllMocks();
  });
  return {
    crm,
    requests: () => outbound.requests,
    sentTo: (target: Target) => outbound.requests.filter((request) => request.url === target.url),
  };
}

export async function deadLetters(target = "crm"): Promise<DeadLetter[]> {
  return (await listDeadLetters(env.RELAY_STATE, { target, limit: 100 })).items;
}

/** `POST /admin/targets<path>` with a recording DELIVERIES_QUEUE (the replays go nowhere). */
export async function adminPost(path: string) {
  const deliveries = recordQueue(env.DELIVERIES_QUEUE);
  try {
    const request = new Request(`http://relay.test/admin/targets${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` },
    });
    const ctx = { waitUntil() {}, passThroughOnException() {} } as unknown as ExecutionContext;
    const response = await worker.fetch(request, env as Env, ctx);
    return { response, body: (await response.json()) as Record<string, unknown>, queued: deliveries.sent };
  } finally {
    deliveries.restore();
  }
}

/**
 * Later, the operator pauses crm and resumes it, each step a minute after the last (`advance` moves the
 * test's clock on): what the resume answered.
 */
export async function pauseAndResumeLater(advance: (ms: number) => void) {
  advance(60_000);
  await adminPost("/crm/pause");
  advance(60_000);
  return adminPost("/crm/resume");
}

/** The delivery of `event(n)` to crm as its pause keeps it (`paused`, not attempted), kept at `at`. */
export function keptWhilePaused(n: number, at: string): Promise<DeadLetter> {
  return storeDeadLetter(env.RELAY_STATE, {
    target: "crm",
    reason: "paused",
    event: event(n),
    attempts: 0,
    lastStatus: null,
    lastError: "not attempted: the target is paused",
    firstAttemptAt: at,
    lastAttemptAt: at,
  });
}

/**
 * The test's clock: once started, `Date.now` (which the KV double reads too) runs ahead of real time by
 * what `advance` adds, so the queue's delays and KV's second pass without waiting.
 */
export function useTestClock() {
  const realNow = Date.now.bind(Date);
  let offset = 0;
  return {
    start(): void {
      offset = 0;
      vi.spyOn(Date, "now").mockImplementation(() => realNow() + offset);
    },
    advance(ms: number): void {
      offset += ms;
    },
  };
}

/** A replay naming a kept record ({@link DeliveryMessage.keptAs}), queued to remove it. */
export const namesRecord = (sent: { body: QueueMessage }) => (sent.body as DeliveryMessage).keptAs !== undefined;

/**
 * Consumes what was queued once its delay has passed (`advance` moves the clock on by the longest): the
 * replays, then in a later batch those naming a record.
 */
export async function deliverQueued(
  queued: { body: QueueMessage; delaySeconds: number | undefined }[],
  advance: (ms: number) => void,
): Promise<void> {
  advance(Math.max(0, ...queued.map((sent) => sent.delaySeconds ?? 0)) * 1000);
  for (const naming of [false, true]) {
    const bodies = queued.filter((sent) => namesRecord(sent) === naming).map((sent) => sent.body as DeliveryMessage);
    if (bodies.length > 0) await consume(DELIVERIES, bodies);
  }
}
