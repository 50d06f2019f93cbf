import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { candidatesOf } from "../../src/providers/candidates";
import { tencentWhiteboard } from "../../src/providers/tencent-whiteboard";
import { canonicalJson } from "../../src/providers/tencent-whiteboard/canonical-json";
import { TENCENT_WHITEBOARD_TYPES } from "../../src/providers/tencent-whiteboard/normalize";
import { whiteboardSignature } from "../../src/providers/tencent-whiteboard/verify";
import type { Clock } from "../../src/providers/types";
import { ONLINE_RECORD_FILES, ONLINE_RECORD_FINISHED } from "../fixtures/tencent-whiteboard-recording";
import {
  SEED_EXPIRE_TIME,
  SEED_KEY,
  SEED_SIGN,
  SEED_WHITEBOARD_CALLBACK,
  TIW_KEY,
  type WhiteboardOptions,
  whiteboardEvent,
  whiteboardInbound,
  whiteboardRequest,
} from "../support/tencent-whiteboard";
import { callWorker } from "../support/worker";

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const clock: Clock = { now: NOW, replayWindowSeconds: 3600 };
const credentials = { callbackKeys: candidatesOf(TIW_KEY) };
const PROGRESS = whiteboardEvent("TranscodeProgressChanged", { TaskId: "task-1", Progress: 10, Title: "课件.pptx" });

async function verify(event: Record<string, unknown> = PROGRESS, options: WhiteboardOptions = {}, at = clock) {
  return tencentWhiteboard.verify(await whiteboardInbound(event, { now: NOW, ...options }), credentials, at);
}

async function normalizeOne(event: Record<string, unknown>) {
  const result = await verify(event);
  if (!result.ok) throw new Error(`expected a verified callback, got ${result.status} ${result.reason}`);
  const [normalized, ...rest] = await tencentWhiteboard.normalize(result.value, NOW);
  expect(rest).toEqual([]);
  if (normalized === undefined) throw new Error("no event");
  return normalized;
}

describe("Tencent Whiteboard Sign", () => {
  it("is md5(key + ExpireTime): the documented example", async () => {
    expect(await whiteboardSignature(SEED_KEY, String(SEED_EXPIRE_TIME))).toBe(SEED_SIGN);
  });

  it("accepts the documented callback with the documented key before its ExpireTime", async () => {
    const exampleClock = { now: (SEED_EXPIRE_TIME - 60) * 1000, replayWindowSeconds: 3600 };
    const result = await tencentWhiteboard.verify(
      await whiteboardInbound({}, { body: JSON.stringify(SEED_WHITEBOARD_CALLBACK) }),
      { callbackKeys: candidatesOf(SEED_KEY) },
      exampleClock,
    );
    expect(result).toEqual({ ok: true, value: { callback: SEED_WHITEBOARD_CALLBACK }, credential: "current" });
  });

  it("rejects the documented callback once its ExpireTime has passed", async () => {
    const result = await tencentWhiteboard.verify(
      await whiteboardInbound({}, { body: JSON.stringify(SEED_WHITEBOARD_CALLBACK) }),
      { callbackKeys: candidatesOf(SEED_KEY) },
      { now: SEED_EXPIRE_TIME * 1000 + 1, replayWindowSeconds: 3600 },
    );
    expect(result).toEqual({ ok: false, status: 401, reason: "ExpireTime has passed" });
  });

  it("accepts a correctly signed callback, and an upper-case Sign", async () => {
    expect((await verify()).ok).toBe(true);
    const expireTime = NOW / 1000 + 600;
    const sign = (await whiteboardSignature(TIW_KEY, String(expireTime))).toUpperCase();
    expect((await verify(PROGRESS, { expireTime, sign })).ok).toBe(true);
  });

  it("accepts ExpireTime sent as a digit string", async () => {
    expect((await verify(PROGRESS, { expireTime: String(NOW / 1000 + 60) })).ok).toBe(true);
  });

  it("rejects another key's Sign", async () => {
    expect(await verify(PROGRESS, { key: "another-callback-key" })).toEqual({
      ok: false,
      status: 401,
      reason: "Sign mismatch",
    });
  });

  it("rejects a Sign one character off", async () => {
    const good = await whiteboardSignature(TIW_KEY, String(NOW / 1000 + 600));
    const sign = `${good.slice(0, -1)}${good.endsWith("0") ? "1" : "0"}`;
    expect(await verify(PROGRESS, { sign })).toMatchObject({ status: 401, reason: "Sign mismatch" });
  });

  it("rejects a Sign that is not an MD5 hex digest", async () => {
    expect(await verify(PROGRESS, { sign: "a2dabb36" })).toEqual({
      ok: false,
      status: 401,
      reason: "Sign is not an MD5 hex digest",
    });
  });

  it("rejects an ExpireTime in the past, accepts the very second itself", async () => {
    expect(await verify(PROGRESS, { expireTime: NOW / 1000 - 1 })).toEqual({
      ok: false,
      status: 401,
      reason: "ExpireTime has passed",
    });
    expect((await verify(PROGRESS, { expireTime: NOW / 1000 })).ok).toBe(true);
  });

  it("rejects an ExpireTime more than 7 days ahead, accepts exactly 7 days", async () => {
    const sevenDays = NOW / 1000 + 7 * 86_400;
    expect(await verify(PROGRESS, { expireTime: sevenDays + 1 })).toEqual({
      ok: false,
      status: 401,
      reason: "ExpireTime is more than 7 days ahead",
    });
    expect((await verify(PROGRESS, { expireTime: sevenDays })).ok).toBe(true);
  });

  it("says until when an exact replay would still verify: its ExpireTime", async () => {
    const result = await verify(PROGRESS, { expireTime: NOW / 1000 + 3 * 86_400 });
    if (!result.ok) throw new Error(result.reason);
    expect(tencentWhiteboard.replayableUntil?.(result.value)).toBe(NOW + 3 * 86_400_000);
  });

  it("rejects a Sign moved to a later ExpireTime", async () => {
    const sign = await whiteboardSignature(TIW_KEY, String(NOW / 1000 + 600));
    expect(await verify(PROGRESS, { sign, expireTime: NOW / 1000 + 601 })).toMatchObject({ status: 401 });
  });
});

describe("Tencent Whiteboard malformed input", () => {
  it("answers 400 for a body that is not a JSON object", async () => {
    const notObject = { ok: false, status: 400, reason: "body is not a JSON object" };
    expect(await verify(PROGRESS, { body: "{" })).toEqual(notObject);
    expect(await verify(PROGRESS, { body: '"text"' })).toEqual(notObject);
  });

  it.each([
    ["ExpireTime", "body has no ExpireTime in Unix seconds"],
    ["Sign", "body has no Sign string"],
    ["EventType", "body has no EventType string"],
    ["EventData", "body has no EventData object"],
    ["SdkAppId", "body has no SdkAppId"],
  ])("answers 400 when %s is missing", async (field, reason) => {
    expect(await verify(PROGRESS, { omit: [field] })).toEqual({ ok: false, status: 400, reason });
  });

  it("answers 401 unsigned for an alarm callback (EventType and EventData only: no Sign, no ExpireTime)", async () => {
    const unsigned = { ok: false, status: 401, reason: "unsigned: the body has no Sign" };
    for (const EventType of ["TaskQueuedAmountLimitWarning", "TaskQueuedTimeLimitWarning"]) {
      const body = JSON.stringify({ EventType, EventData: { SdkAppId: 1400000001, QueuedAmount: 120 } });
      expect(await verify(PROGRESS, { body })).toEqual(unsigned);
    }
    expect(await verify(PROGRESS, { omit: ["Sign", "ExpireTime"] })).toEqual(unsigned);
  });

  it("answers 400 for wrong types", async () => {
    expect(await verify(PROGRESS, { expireTime: "tomorrow" })).toMatchObject({ status: 400 });
    expect(await verify({ ...PROGRESS, EventData: [1] })).toMatchObject({ status: 400 });
    expect(await verify({ ...PROGRESS, EventType: 3 })).toMatchObject({ status: 400 });
  });

  it.each([
    ["missing", undefined],
    ["negative", -1],
    ["text", "yesterday"],
    ["an object", { at: 1 }],
  ])("queues an event whose Timestamp is %s, timed at receipt, with a stable id", async (_, timestamp) => {
    const event = { ...PROGRESS, Timestamp: timestamp };
    const first = await normalizeOne(event);
    expect(first.time).toBe("2026-11-21T12:00:00Z");
    expect((await normalizeOne(event)).id).toBe(first.id);
    expect(first.id).not.toBe((await normalizeOne(PROGRESS)).id);
  });
});

describe("Tencent Whiteboard normalization", () => {
  it.each(Object.entries(TENCENT_WHITEBOARD_TYPES))("maps %s to %s", async (eventType, type) => {
    expect(await normalizeOne(whiteboardEvent(eventType, { TaskId: "task-1" }))).toMatchObject({
      type,
      providerevent: eventType,
      subject: "task-1",
    });
  });

  it("maps every documented event type", () => {
    expect(TENCENT_WHITEBOARD_TYPES).toEqual({
      TranscodeProgressChanged: "whiteboard.transcode.progress",
      PPT2H5ProgressChanged: "whiteboard.transcode.progress",
      TranscodeFinished: "whiteboard.transcode.completed",
      OnlineRecordStarted: "whiteboard.recording.started",
      OnlineRecordStopped: "whiteboard.recording.stopped",
      OnlineRecordFinished: "whiteboard.recording.completed",
      OfflineRecordFinished: "whiteboard.recording.completed",
      WhiteboardPushStarted: "whiteboard.push.started",
      WhiteboardPushStopped: "whiteboard.push.stopped",
    });
  });

  it("forwards an unknown event as tencent-whiteboard/<EventType>", async () => {
    expect(await normalizeOne(whiteboardEvent("OfflineRecordProgressChanged", { TaskId: "t" }))).toMatchObject({
      type: "tencent-whiteboard/OfflineRecordProgressChanged",
    });
  });

  it("turns the documented progress callback into a task, Chinese title intact, raw untouched", async () => {
    const { ExpireTime: _e, Sign: _s, ...event } = SEED_WHITEBOARD_CALLBACK;
    const result = await verify(event);
    if (!result.ok) throw new Error("not verified");
    const [normalized] = await tencentWhiteboard.normalize(result.value, NOW);
    expect(normalized).toEqual({
      id: `tencent-whiteboard:1400000001:${await sha256Hex(
        canonicalJson(["1400000001", "PPT2H5ProgressChanged", "1590045522", event.EventData]),
      )}`,
      type: "whiteboard.transcode.progress",
      subject: "gaqvbm16jr2q4uhm23rb",
      time: "2020-05-21T07:18:42Z",
      providerevent: "PPT2H5ProgressChanged",
      data: {
        task: {
          id: "gaqvbm16jr2q4uhm23rb",
          progress: 10,
          pages: 21,
          resolution: "960x540",
          title: "示例.pptx",
        },
        raw: withoutSign(result.value.callback),
      },
    });
    expect(result.value.callback.EventData).toEqual(SEED_WHITEBOARD_CALLBACK.EventData);
  });

  it("carries a finished recording's room, reason, error and video links", async () => {
    const eventData = {
      TaskId: "rec-1",
      RoomId: 20001,
      GroupId: "20001",
      FinishReason: 1,
      RecordStartTime: 1_763_726_400_000,
      RecordStopTime: 1_763_730_000_000,
      TotalTime: 3_600_000,
      VideoInfos: [{ VideoUrl: "https://example.com/a.mp4", VideoType: 0 }],
      Error: { Code: 0, Message: "" },
    };
    const event = await normalizeOne(whiteboardEvent("OnlineRecordFinished", eventData));
    expect(event.data).toMatchObject({
      task: { id: "rec-1", room: 20001, group: "20001", reason: 1, error: { code: 0 } },
      recording: {
        start: "2025-11-21T12:00:00Z",
        end: "2025-11-21T13:00:00Z",
        duration: 3_600_000,
        files: [{ type: 0, url: "https://example.com/a.mp4" }],
      },
    });
  });

  it("exposes a documented OnlineRecordFinished's VideoInfos as data.recording.files, raw untouched", async () => {
    const event = await normalizeOne(whiteboardEvent("OnlineRecordFinished", ONLINE_RECORD_FINISHED));
    expect(event).toMatchObject({ type: "whiteboard.recording.completed", subject: "bj0mt2l23osdj300hl30" });
    expect(event.data.recording).toEqual({
      start: "2025-11-21T12:00:00Z",
      end: "2025-11-21T13:00:00Z",
      duration: 3_600_000,
      files: ONLINE_RECORD_FILES,
    });
    expect(event.data.task).toMatchObject({ reason: "USER_CALL", room: 1253 });
    expect((event.data.raw as { EventData: unknown }).EventData).toEqual(ONLINE_RECORD_FINISHED);
  });

  it.each([
    ["a string", "https://example.com/a.mp4"],
    ["an object", { VideoUrl: "https://example.com/a.mp4" }],
    ["null", null],
    ["an empty list", []],
    ["a list of nothing usable", [null, 3, "https://example.com/a.mp4", [], {}, { VideoUrl: "http://example.com/a" }]],
  ])("leaves files out when VideoInfos is %s, and still delivers the recording", async (_, videoInfos) => {
    const eventData = { TaskId: "rec-2", TotalTime: 1000, VideoInfos: videoInfos };
    const event = await normalizeOne(whiteboardEvent("OnlineRecordFinished", eventData));
    expect(event.type).toBe("whiteboard.recording.completed");
    expect(event.data.recording).toEqual({ duration: 1000 });
    expect((event.data.raw as { EventData: unknown }).EventData).toEqual(eventData);
  });

  it("keeps only https VideoUrls, drops values of the wrong kind and videos with neither id nor link", async () => {
    const videoInfos = [
      { VideoId: "v1", VideoType: 1, VideoUrl: "http://vod.example/v1.mp4" },
      { VideoId: 7, VideoType: "2", VideoFormat: "mp4", VideoUrl: 42, UserId: "u7" },
      { VideoId: {}, VideoType: Number.NaN, VideoFormat: [], UserId: "", VideoUrl: "javascript:alert(1)" },
      { VideoId: "v3", VideoType: true, VideoUrl: " https://VOD.example/v3.mp4\n" },
      { VideoUrl: "//vod.example/relative.mp4", VideoFormat: "mp4" },
    ];
    const event = await normalizeOne(whiteboardEvent("OnlineRecordFinished", { TaskId: "t", VideoInfos: videoInfos }));
    expect(event.data.recording).toEqual({
      files: [
        { id: "v1", type: 1 },
        { id: "7", type: "2", format: "mp4", user: "u7" },
        { id: "v3", url: "https://vod.example/v3.mp4" },
      ],
    });
  });

  it("gives an identical retry the same id, whatever the key order or ExpireTime", async () => {
    const first = await normalizeOne(whiteboardEvent("TranscodeFinished", { TaskId: "t", ResultUrl: "u", Pages: 3 }));
    const retry = await normalizeOne(whiteboardEvent("TranscodeFinished", { Pages: 3, ResultUrl: "u", TaskId: "t" }));
    expect(retry.id).toBe(first.id);
  });

  it("gives different events different ids (progress steps of one task included)", async () => {
    const variants = [
      whiteboardEvent("TranscodeProgressChanged", { TaskId: "t", Progress: 10 }),
      whiteboardEvent("TranscodeProgressChanged", { TaskId: "t", Progress: 20 }),
      whiteboardEvent("TranscodeProgressChanged", { TaskId: "t", Progress: 10 }, 1_763_726_401),
      whiteboardEvent("TranscodeFinished", { TaskId: "t", Progress: 10 }),
      { ...whiteboardEvent("TranscodeProgressChanged", { TaskId: "t", Progress: 10 }), SdkAppId: 1400000002 },
    ];
    const ids = await Promise.all(variants.map(async (v) => (await normalizeOne(v)).id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers 200 {"error_code":0} as JSON and has no handshake', async () => {
    const result = await verify();
    if (!result.ok) throw new Error("not verified");
    expect(tencentWhiteboard.handshake(result.value)).toBeNull();
    expect(tencentWhiteboard.success(result.value)).toEqual({
      status: 200,
      body: '{"error_code":0}',
      contentType: "application/json; charset=utf-8",
    });
  });
});

describe("canonicalJson", () => {
  it("sorts keys recursively and keeps array order", () => {
    expect(canonicalJson({ b: [{ d: 1, c: 2 }, "x"], a: { z: null, y: "é" } })).toBe(
      '{"a":{"y":"é","z":null},"b":[{"c":2,"d":1},"x"]}',
    );
  });

  it("writes what JSON.stringify writes for scalars, empty containers and undefined members", () => {
    const value = { s: 'q"\\\n', n: -0.5, t: true, f: false, z: null, u: undefined, e: {}, l: [], a: [undefined, 1] };
    expect(canonicalJson(value)).toBe(
      JSON.stringify({ a: [null, 1], e: {}, f: false, l: [], n: -0.5, s: 'q"\\\n', t: true, z: null }),
    );
  });

  it("handles 20,000 levels of nesting without running out of stack", () => {
    const levels = 20_000;
    const text = `${'{"b":2,"a":'.repeat(levels)}[]${"}".repeat(levels)}`;
    const canonical = canonicalJson(JSON.parse(text));
    expect(canonical).toBe(`${'{"a":'.repeat(levels)}[]${',"b":2}'.repeat(levels)}`);
  });
});

/** The callback as forwarded: everything but `Sign`. */
function withoutSign(callback: object): object {
  const { Sign: _sign, ...rest } = callback as Record<string, unknown>;
  return rest;
}

describe("POST /webhooks/tencent-whiteboard: a finished recording", () => {
  it("queues a signed OnlineRecordFinished as whiteboard.recording.completed with its video links", async () => {
    const { response, enqueued } = await callWorker(
      await whiteboardRequest(whiteboardEvent("OnlineRecordFinished", ONLINE_RECORD_FINISHED)),
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"error_code":0}');
    expect(enqueued.map(({ type, subject, providerevent }) => ({ type, subject, providerevent }))).toEqual([
      {
        type: "whiteboard.recording.completed",
        subject: "bj0mt2l23osdj300hl30",
        providerevent: "OnlineRecordFinished",
      },
    ]);
    expect(enqueued[0]?.data.recording?.files).toEqual(ONLINE_RECORD_FILES);
  });

  it("queues a signed OnlineRecordFinished whose VideoInfos is not a list, without files", async () => {
    const eventData = { ...ONLINE_RECORD_FINISHED, VideoInfos: "https://example.com/a.mp4" };
    const { response, enqueued } = await callWorker(
      await whiteboardRequest(whiteboardEvent("OnlineRecordFinished", eventData)),
    );
    expect(response.status).toBe(200);
    expect(enqueued.map(({ type }) => type)).toEqual(["whiteboard.recording.completed"]);
    expect(enqueued[0]?.data.recording).toEqual({
      start: "2025-11-21T12:00:00Z",
      end: "2025-11-21T13:00:00Z",
      duration: 3_600_000,
    });
  });
});
