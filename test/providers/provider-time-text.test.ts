import { describe, expect, it } from "vitest";
import { base64Json, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

/**
 * A time sent as text is either digits (Unix seconds or ms), a zone-less date-time (Beijing time, as the
 * normalized event reads it), or a date-time with its zone. Anything else is an odd value of a signed callback:
 * left out (the event timed at receipt), never read by the runtime's lenient date parser as a made-up time.
 */
function meetingStarted(operateTime: unknown, meetingInfo: Record<string, unknown>) {
  return base64Json({
    event: "meeting.started",
    trace_id: `time-${JSON.stringify(operateTime)}`,
    payload: [{ operate_time: operateTime, meeting_info: { meeting_id: "6058890385480921052", ...meetingInfo } }],
  });
}

describe("a signed Tencent callback's times sent as text", () => {
  it.each(["-1", "0.5", "1.5", "unknown 5"])("%j is no time: left out, the event timed at receipt", async (odd) => {
    const before = Date.now() - 1000;
    const data = meetingStarted(odd, { start_time: odd, end_time: odd });
    const { response, enqueued } = await callWorker(await tencentEventRequest(data));
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]?.data.meeting).toEqual({ id: "6058890385480921052" });
    expect(Date.parse(enqueued[0]?.time ?? "")).toBeGreaterThanOrEqual(before);
  });

  it("reads a zone-less date-time with fractional seconds as Beijing time, like one without", async () => {
    const data = meetingStarted("2020-12-29 17:41:06.123", { start_time: "2020-12-29T17:41:04.000" });
    const { response, enqueued } = await callWorker(await tencentEventRequest(data));
    expect(response.status).toBe(200);
    expect(enqueued[0]?.time).toBe("2020-12-29T09:41:06Z");
    expect(enqueued[0]?.data.meeting).toMatchObject({ start: "2020-12-29T09:41:04Z" });
  });

  it.each(["2026-02-30T10:00:00Z", "2026-04-31 10:00:00+08:00", "2026-13-01T10:00:00Z", "2026-01-01T24:00:00Z"])(
    "%j states its zone but is not on the calendar: left out, the event timed at receipt (not rolled over)",
    async (odd) => {
      const before = Date.now() - 1000;
      const { response, enqueued } = await callWorker(
        await tencentEventRequest(meetingStarted(odd, { start_time: odd })),
      );
      expect(response.status).toBe(200);
      expect(enqueued[0]?.data.meeting).toEqual({ id: "6058890385480921052" });
      expect(Date.parse(enqueued[0]?.time ?? "")).toBeGreaterThanOrEqual(before);
    },
  );

  it("still reads a date-time that states its zone", async () => {
    const data = meetingStarted("2020-12-29T17:41:06+08:00", { start_time: "2020-12-29T09:41:04Z" });
    const { enqueued } = await callWorker(await tencentEventRequest(data));
    expect(enqueued[0]?.time).toBe("2020-12-29T09:41:06Z");
    expect(enqueued[0]?.data.meeting).toMatchObject({ start: "2020-12-29T09:41:04Z" });
  });
});
