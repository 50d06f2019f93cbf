import { describe, expect, it } from "vitest";
import { base64Json, tencentEventRequest } from "../support/tencent-meeting";
import { whiteboardEvent, whiteboardRequest } from "../support/tencent-whiteboard";
import { callWorker } from "../support/worker";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe("a signed callback's odd values become absent", () => {
  it("a Tencent time past year 9999 is left out: the event is timed at receipt, without meeting.start", async () => {
    const data = base64Json({
      event: "meeting.started",
      trace_id: "odd-time-1",
      payload: [{ operate_time: 1e15, meeting_info: { meeting_id: "1", start_time: 1e12 } }],
    });
    const before = Date.now() - 1000;
    const { response, enqueued } = await callWorker(await tencentEventRequest(data));
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]?.time).toMatch(RFC3339);
    expect(Date.parse(enqueued[0]?.time ?? "")).toBeGreaterThanOrEqual(before);
    expect(enqueued[0]?.data.meeting).not.toHaveProperty("start");
  });

  it.each(["javascript:alert(document.cookie)", "http://evil.example/x", "//evil.example/x"])(
    "a whiteboard ResultUrl %j is no data.task.url (it stays in raw)",
    async (ResultUrl) => {
      const event = whiteboardEvent("TranscodeFinished", { TaskId: "t1", ResultUrl });
      const { response, enqueued } = await callWorker(await whiteboardRequest(event));
      expect(response.status).toBe(200);
      expect(enqueued[0]?.data.task).toEqual({ id: "t1" });
      expect(JSON.stringify(enqueued[0]?.data.raw)).toContain(JSON.stringify(ResultUrl).slice(1, -1));
    },
  );
});
