import { describe, expect, it } from "vitest";
import { base64Json, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

/** A signed Tencent callback with this `trace_id`: its one event. */
async function eventWithTraceId(traceId: string) {
  const data = base64Json({
    event: "meeting.started",
    trace_id: traceId,
    payload: [{ meeting_info: { meeting_id: "m-1" } }],
  });
  const { response, enqueued } = await callWorker(await tencentEventRequest(data));
  expect(response.status).toBe(200);
  expect(await response.text()).toBe("successfully received callback");
  expect(enqueued).toHaveLength(1);
  return enqueued[0];
}

describe("a sequence that is not plain text is hashed into the id without merging two events", () => {
  it("two callbacks whose trace_ids differ only in a lone UTF-16 surrogate get two ids", async () => {
    // UTF-8 cannot write a lone surrogate: encoded as is, both would become U+FFFD and hash alike,
    // so the second event would be dropped as a repeat of the first.
    const first = await eventWithTraceId("t-\ud800");
    const second = await eventWithTraceId("t-\udbff");
    expect(first?.id).not.toBe(second?.id);
    expect(await eventWithTraceId("t-\ud800").then((event) => event?.id)).toBe(first?.id);
  });

  it("hashes a well-formed sequence as before: its UTF-8 SHA-256, so ids already remembered stay the same", async () => {
    const event = await eventWithTraceId("会议 trace");
    expect(event?.id).toBe("tencent-meeting:3de9c2accab25d7ef03c76c248dec285d183b2ff07f17425931a1f07fc8909b1:0");
  });
});
