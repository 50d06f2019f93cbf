import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Target } from "../../src/config/targets-schema";
import type { QueueMessage } from "../../src/queue/messages";
import { mockFetch } from "../support/fetch";
import { huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { loggedLines } from "../support/log";
import { consume } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";
import { callWorker } from "../support/worker";

const EVENTS = "meeting-relay-events";
const UP: Target = { id: "up", url: "https://up.example.com/in" };
const ALSO: Target = { id: "also", url: "https://also.example.com/in" };
const DOWN: Target = { id: "down", url: "https://down.example.com/in" };

let outbound: ReturnType<typeof mockFetch>;

beforeEach(async () => {
  await reset();
  vi.spyOn(Math, "random").mockReturnValue(0);
  outbound = mockFetch((request) => new Response(null, { status: request.url.startsWith(DOWN.url) ? 503 : 204 }));
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

/**
 * One Huawei callback through the Worker's fetch handler, then its event message through the
 * Worker's queue handler: every JSON line the relay logged on the way, as `console.log` saw them.
 */
async function linesOfOneEvent(): Promise<Record<string, unknown>[]> {
  const request = await huaweiRequest(huaweiEventInfo("meeting.started"));
  const ingest = await loggedLines(() => callWorker(request));
  expect(ingest.result.response.status).toBe(200);
  const messages = ingest.result.calls.flat() as QueueMessage[];
  expect(messages.map((message) => message.kind)).toEqual(["event"]);
  const fanOut = await loggedLines(() => consume(EVENTS, messages));
  expect(fanOut.result.acked).toEqual(["m0"]);
  return [...ingest.lines, ...fanOut.lines];
}

describe("log lines per event", () => {
  it("an event delivered at the first attempt to one target writes two lines: the ingest line and the attempt's", async () => {
    await useTargets([UP]);
    const lines = await linesOfOneEvent();
    expect(lines.map((line) => [line.kind, line.outcome])).toEqual([
      ["ingest", "queued"],
      ["delivery", "delivered"],
    ]);
    expect(outbound.requests.map((request) => request.url)).toEqual([UP.url]);
  });

  it("three targets: one line per attempt and no summary line", async () => {
    await useTargets([UP, ALSO, { ...UP, id: "up-2", url: "https://up2.example.com/in" }]);
    const lines = await linesOfOneEvent();
    expect(lines.map((line) => [line.kind, line.outcome])).toEqual([
      ["ingest", "queued"],
      ["delivery", "delivered"],
      ["delivery", "delivered"],
      ["delivery", "delivered"],
    ]);
  });

  it("a failure keeps its detail: the failed attempt's line and the fan-out's summary of what is retrying", async () => {
    await useTargets([UP, DOWN]);
    const lines = await linesOfOneEvent();
    expect(lines.map((line) => [line.kind, line.outcome])).toEqual([
      ["ingest", "queued"],
      ["delivery", "delivered"],
      ["delivery", "failed"],
      ["fan-out", "done"],
    ]);
    expect(lines[2]).toMatchObject({ target: "down", status: 503, retryInSeconds: 10 });
    expect(lines[3]).toMatchObject({ targets: 2, retrying: 1 });
  });
});
