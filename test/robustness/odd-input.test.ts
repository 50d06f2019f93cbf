/**
 * Verified but odd input: times no `Date` can hold, and JSON nested far deeper than any platform
 * sends. Each is either queued (odd times become absent) or refused with a clear 400; never a 5xx.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nestsDeeperThan, valueNestsDeeperThan } from "../../src/lib/json-depth";
import { isoTime } from "../../src/lib/time";
import { whiteboardSignature } from "../../src/providers/tencent-whiteboard/verify";
import { HUAWEI_ATTENDEE, huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { tencentEventRequest } from "../support/tencent-meeting";
import { TIW_KEY, whiteboardEvent, whiteboardRequest } from "../support/tencent-whiteboard";
import { callWorker } from "../support/worker";
import { yunhuniNotification, yunhuniRequest } from "../support/yunhuni";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const DEEPER_THAN_LIMIT = { error: "request body nests JSON deeper than 64 levels", code: "invalid_callback" };

/** `{"a":{"a":…{}…}}`, `levels` objects deep, as text (JSON.stringify itself cannot write 20,000 levels). */
function nestedText(levels: number): string {
  return `${'{"a":'.repeat(levels - 1)}{}${"}".repeat(levels - 1)}`;
}

/** A correctly signed whiteboard callback whose EventData is `levels` objects deep (the body one more). */
async function deepWhiteboard(levels: number): Promise<Request> {
  const expireTime = Math.floor(Date.now() / 1000) + 600;
  const sign = await whiteboardSignature(TIW_KEY, String(expireTime));
  const head = `{"Timestamp":1763726400,"SdkAppId":1400000001,"EventType":"TranscodeFinished","ExpireTime":${expireTime},"Sign":"${sign}","EventData":`;
  return whiteboardRequest({}, { body: `${head}${nestedText(levels)}}` });
}

describe("isoTime", () => {
  it("writes every time RFC 3339 can, years 0000 to 9999, to the last millisecond", () => {
    expect(isoTime(0)).toBe("1970-01-01T00:00:00Z");
    expect(isoTime(253_402_300_799_999)).toBe("9999-12-31T23:59:59Z");
    expect(isoTime(-62_167_219_200_000)).toBe("0000-01-01T00:00:00Z");
  });

  it.each([
    253_402_300_800_000, // 10000-01-01: a Date holds it, RFC 3339 does not (`+010000-…`)
    -62_167_219_200_001,
    1e15,
    8.64e15,
    8.64e15 + 1,
    9_007_199_254_740_991,
    1e300,
    Number.NaN,
    Number.POSITIVE_INFINITY,
  ])("is undefined for %d, which no RFC 3339 time writes", (ms) => {
    expect(isoTime(ms)).toBeUndefined();
  });
});

describe("nestsDeeperThan", () => {
  it.each([
    ["{}", 1, false],
    ['{"a":[1,{"b":2}]}', 3, false],
    ['{"a":[1,{"b":2}]}', 2, true],
    ['["\\"[[[["]', 1, false],
    ['["\\\\",[[]]]', 2, true],
    // Exactly one bracket more than the limit, all nested: the count alone must not clear it.
    ["[[]]", 1, true],
    ['{"a":{"b":{}}}', 2, true],
  ])("%s with limit %i: %s", (text, limit, deeper) => {
    expect(nestsDeeperThan(text, limit)).toBe(deeper);
    expect(valueNestsDeeperThan(JSON.parse(text), limit)).toBe(deeper);
  });

  it("agrees with the parsed value's depth on any JSON text, at any limit", () => {
    fc.assert(
      fc.property(fc.json({ depthSize: "large" }), fc.integer({ min: 0, max: 8 }), (text, limit) => {
        expect(nestsDeeperThan(text, limit)).toBe(valueNestsDeeperThan(JSON.parse(text), limit));
      }),
      { numRuns: 500 },
    );
  });

  it("walks a parsed value 20,000 levels deep without recursion", () => {
    const value = JSON.parse(`${"[".repeat(20_000)}${"]".repeat(20_000)}`);
    expect(valueNestsDeeperThan(value, 64)).toBe(true);
    expect(valueNestsDeeperThan(value, 20_000)).toBe(false);
  });
});

describe("times no Date can hold become absent", () => {
  it.each([9_007_199_254_740_991, 9_007_199_254_740_992, 1e20, -1, "", "yesterday"])(
    "queues a Yunhuni conf.end with end_time %j, without an end, timed at receipt",
    async (endTime) => {
      const notification = yunhuniNotification("conf.end", { end_time: endTime });
      const before = Date.now();
      const { response, enqueued } = await callWorker(yunhuniRequest(notification));
      expect(response.status).toBe(200);
      expect(enqueued).toHaveLength(1);
      const [event] = enqueued;
      expect(event?.data.meeting).toEqual({ id: notification.id, start: "2025-11-21T12:00:00Z" });
      expect(Date.parse(event?.time ?? "")).toBeGreaterThanOrEqual(before - 1000);
    },
  );

  it.each([
    ["1e300", 1e300],
    ["9007199254740991 s", 9_007_199_254_740_991],
    ["-1", -1],
  ])("queues a whiteboard recording with RecordStartTime %s, without a start", async (_, start) => {
    const event = whiteboardEvent("OnlineRecordFinished", {
      TaskId: "task-1",
      RecordStartTime: start,
      RecordStopTime: 1_763_726_400,
    });
    const { response, enqueued } = await callWorker(await whiteboardRequest(event));
    expect(response.status).toBe(200);
    expect(enqueued.map((queued) => queued.data.recording)).toEqual([{ end: "2025-11-21T12:00:00Z" }]);
  });

  it("queues a whiteboard callback whose Timestamp is 9007199254740991, timed at receipt", async () => {
    const event = whiteboardEvent("TranscodeFinished", { TaskId: "task-1" }, 9_007_199_254_740_991);
    const { response, enqueued } = await callWorker(await whiteboardRequest(event));
    expect(response.status).toBe(200);
    expect(enqueued.map((queued) => queued.time)).toEqual([expect.stringMatching(RFC3339)]);
  });

  it("queues a Huawei push whose times are all out of range (replay window off), timed at receipt", async () => {
    const eventInfo = huaweiEventInfo("meeting.join", {
      timestamp: 1e300,
      attendeeInfo: { ...HUAWEI_ATTENDEE, joinTime: 1e300, leftTime: 9_007_199_254_740_991 },
    });
    const before = Date.now();
    const request = await huaweiRequest(eventInfo, { timestamp: "9999999999999999" });
    const { response, enqueued } = await callWorker(request, { REPLAY_WINDOW_SECONDS: "0" });
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]?.data.participant).not.toHaveProperty("joined");
    expect(enqueued[0]?.data.participant).not.toHaveProperty("left");
    expect(Date.parse(enqueued[0]?.time ?? "")).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe("JSON nested deeper than any platform sends", () => {
  it("refuses a signed whiteboard callback with a 20,000-deep EventData with a clear 400, queuing nothing", async () => {
    const { response, enqueued } = await callWorker(await deepWhiteboard(20_000));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(DEEPER_THAN_LIMIT);
    expect(enqueued).toEqual([]);
  });

  it("queues a whiteboard callback nested exactly to the limit (64 levels with the body)", async () => {
    const { response, enqueued } = await callWorker(await deepWhiteboard(63));
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
  });

  it("refuses one level more", async () => {
    const { response, enqueued } = await callWorker(await deepWhiteboard(64));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(DEEPER_THAN_LIMIT);
    expect(enqueued).toEqual([]);
  });

  it("refuses a 20,000-deep Huawei eventInfo with a clear 400, signed or not", async () => {
    const eventInfoText = `{"event":"meeting.started","payload":${nestedText(20_000)}}`;
    for (const options of [{ eventInfoText }, { eventInfoText, signature: "0".repeat(64) }]) {
      const { response, enqueued } = await callWorker(await huaweiRequest(undefined, options));
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual(DEEPER_THAN_LIMIT);
      expect(enqueued).toEqual([]);
    }
  });

  it("refuses a signed Tencent callback whose base64 data decodes to 20,000 levels with a clear 400", async () => {
    const item = `{"operate_time":1,"meeting_info":{"meeting_id":"1"},"x":${nestedText(20_000)}}`;
    const text = `{"event":"meeting.started","trace_id":"deep-1","payload":[${item}]}`;
    let binary = "";
    for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
    const { response, enqueued } = await callWorker(await tencentEventRequest(btoa(binary)));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "the callback's data nests JSON deeper than 64 levels",
      code: "invalid_callback",
    });
    expect(enqueued).toEqual([]);
  });

  it("counts brackets inside strings as text, not nesting", async () => {
    const event = whiteboardEvent("TranscodeFinished", { TaskId: "task-1", Title: "[{".repeat(200) });
    const { response, enqueued } = await callWorker(await whiteboardRequest(event));
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
  });
});
