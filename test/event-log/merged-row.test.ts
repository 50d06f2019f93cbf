import { beforeEach, describe, expect, it } from "vitest";
import type { AttemptRecord } from "../../src/event-log/journal";
import { sampleEvent } from "../support/events";
import { adminCall, logRows, resetAll } from "./support";

const ID = "tencent-meeting:merged:0";
const event = sampleEvent(ID);
const receivedAt = Date.now() - 60_000;
const failed = (attempt: number, status: number | null, at: number): AttemptRecord => ({
  event,
  target: "down",
  attempt,
  status,
  error: status === null ? "no answer within 10000 ms" : `HTTP ${status}`,
  durationMs: 10,
  at,
  outcome: "retry",
});

async function listedDown() {
  const list = await adminCall("GET", "/admin/events");
  const [item] = list.body.items as { deliveries: { target: string; lastStatus: number | null }[] }[];
  return item?.deliveries.find((delivery) => delivery.target === "down");
}

beforeEach(resetAll);

describe("a delivery's last request without an answer shows no status, however the event's row was written", () => {
  it("when the event's fan-out runs again (its row merged on conflict)", async () => {
    await logRows([{ event, receivedAt }], [failed(1, 503, receivedAt + 1_000)]);
    await logRows([{ event, receivedAt }], [failed(2, null, receivedAt + 2_000)]);
    expect(await listedDown()).toEqual(expect.objectContaining({ outcome: "retry", attempts: 2, lastStatus: null }));
  });

  it("when a later invocation updates the row in place", async () => {
    await logRows([{ event, receivedAt }], [failed(1, 503, receivedAt + 1_000)]);
    await logRows([], [failed(2, null, receivedAt + 2_000)]);
    expect(await listedDown()).toEqual(expect.objectContaining({ outcome: "retry", attempts: 2, lastStatus: null }));
  });
});
