import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets";
import type { DeliveryMessage, EventMessage } from "../../src/queue/messages";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { consume } from "../support/queue";
import { useTargets } from "../support/targets";
import { resetAll } from "./support";

const EVENTS = "meeting-relay-events";
const DELIVERIES = "meeting-relay-deliveries";
const UP: Target = { id: "up", url: "https://up.example.com/in" };
const DOWN: Target = { id: "down", url: "https://down.example.com/in" };

const fresh = (id: string): EventMessage => ({ kind: "event", event: sampleEvent(id), receivedAt: Date.now() });

/** D1's own count of rows written (index entries included) by the batches `run` makes. */
async function rowsWritten(run: () => Promise<unknown>): Promise<number> {
  const batch = vi.spyOn(env.RELAY_LOG, "batch");
  await run();
  let rows = 0;
  for (const result of batch.mock.results) {
    for (const statement of (await result.value) as D1Result[]) rows += statement.meta.rows_written;
  }
  batch.mockRestore();
  return rows;
}

let outbound: ReturnType<typeof mockFetch>;
beforeEach(async () => {
  await resetAll();
  outbound = mockFetch((request) =>
    request.url.startsWith(DOWN.url) ? new Response("busy", { status: 503 }) : new Response(null, { status: 204 }),
  );
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

describe("rows written per event, as D1 counts them", () => {
  it("an event delivered at the first attempt to one target writes 2 rows (its row and one index entry)", async () => {
    await useTargets([UP]);
    // The target's health row is written once, with its first success (then at most once a minute).
    const first = await rowsWritten(() => consume(EVENTS, [fresh("tencent-meeting:warm:0")]));
    expect(first).toBe(3);
    const one = await rowsWritten(() => consume(EVENTS, [fresh("tencent-meeting:a:0")]));
    expect(one).toBe(2);
    const ten = await rowsWritten(() =>
      consume(
        EVENTS,
        Array.from({ length: 10 }, (_, i) => fresh(`tencent-meeting:b${i}:0`)),
      ),
    );
    expect(ten).toBe(20);
  });

  it("a failed first attempt, its retry delivered, and a dead delivery: what each writes", async () => {
    await useTargets([UP, DOWN]);
    await consume(EVENTS, [fresh("tencent-meeting:warm:0")]);
    // up delivered, down failed: the row, its index entry and its unsettled-index entry, the
    // attempt row and its index entry, and down's failure count in its health row.
    const failed = await rowsWritten(() => consume(EVENTS, [fresh("tencent-meeting:a:0")]));
    expect(failed).toBe(6);
    const retry: DeliveryMessage = {
      kind: "delivery",
      event: sampleEvent("tencent-meeting:a:0"),
      target: "down",
      attemptsBefore: 1,
      firstAttemptAt: Date.now(),
    };
    const dead = await rowsWritten(() => consume(DELIVERIES, [retry], { env: { RETRY_SCHEDULE: "5" } }));
    // The row updated in place (and its covering index entry), the attempt row and its index entry, health.
    expect(dead).toBeLessThanOrEqual(7);
    const row = await env.RELAY_LOG.prepare("SELECT deliveries, state FROM events WHERE id = ?")
      .bind("tencent-meeting:a:0")
      .first<{ deliveries: string; state: number }>();
    expect(JSON.parse(row?.deliveries ?? "{}")).toMatchObject({
      up: { o: "delivered", n: 1, f: 0 },
      down: { o: "dead", n: 2, f: 2, s: 503 },
    });
    expect(row?.state).toBe(1 | 4);
  });
});
