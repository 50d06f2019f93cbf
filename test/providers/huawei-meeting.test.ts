import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { candidatesOf } from "../../src/providers/candidates";
import { huaweiMeeting } from "../../src/providers/huawei-meeting";
import { HUAWEI_MEETING_TYPES } from "../../src/providers/huawei-meeting/normalize";
import { rawMemberText } from "../../src/providers/huawei-meeting/raw-member";
import { huaweiSignature } from "../../src/providers/huawei-meeting/verify";
import type { Clock } from "../../src/providers/types";
import {
  HUAWEI_APP_ID,
  HUAWEI_APP_KEY,
  HUAWEI_ATTENDEE,
  HUAWEI_NONCE,
  type HuaweiRequestOptions,
  huaweiBody,
  huaweiEventInfo,
  huaweiInbound,
  huaweiInboundOf,
} from "../support/huawei-meeting";

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const clock: Clock = { now: NOW, replayWindowSeconds: 3600 };
const credentials = { appId: HUAWEI_APP_ID, appIdName: "HUAWEI_MEETING_APP_ID", appKeys: candidatesOf(HUAWEI_APP_KEY) };
const STARTED = huaweiEventInfo("meeting.started");

async function verify(eventInfo: unknown = STARTED, options: HuaweiRequestOptions = {}, at: Clock = clock) {
  return huaweiMeeting.verify(await huaweiInbound(eventInfo, { now: NOW, ...options }), credentials, at);
}

async function verifyBody(body: string) {
  return huaweiMeeting.verify(huaweiInboundOf(body), credentials, clock);
}

async function verified(eventInfo: unknown = STARTED, options: HuaweiRequestOptions = {}) {
  const result = await verify(eventInfo, options);
  if (!result.ok) throw new Error(`expected a verified push, got ${result.status} ${result.reason}`);
  return result.value;
}

async function normalizeOne(eventInfo: unknown, options: HuaweiRequestOptions = {}) {
  const [event, ...rest] = await huaweiMeeting.normalize(await verified(eventInfo, options), NOW);
  expect(rest).toEqual([]);
  if (event === undefined) throw new Error("no event");
  return event;
}

const mismatch = { ok: false, status: 401, reason: "signature mismatch" };

describe("Huawei Meeting signature", () => {
  it("is lower-case hex HMAC-SHA256 over appID + timestamp + nonce + eventInfo", async () => {
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode("k"),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode('app1700000000000n{"event":"x"}'));
    const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(await huaweiSignature("k", "app", "1700000000000", "n", '{"event":"x"}')).toBe(hex);
  });

  it("accepts a correctly signed push", async () => {
    const result = await verify();
    expect(result).toMatchObject({
      ok: true,
      value: { appId: HUAWEI_APP_ID, nonce: HUAWEI_NONCE, event: "meeting.started", sentAt: NOW },
    });
  });

  it("accepts an upper-case hex signature", async () => {
    const text = JSON.stringify(STARTED);
    const good = await huaweiSignature(HUAWEI_APP_KEY, HUAWEI_APP_ID, String(NOW), HUAWEI_NONCE, text);
    expect((await verify(STARTED, { signature: good.toUpperCase() })).ok).toBe(true);
  });

  it("verifies the exact eventInfo text of the body, not a re-serialization", async () => {
    // Pretty-printed, keys out of order, a slash escaped: JSON.stringify would not give these bytes back.
    const text =
      '{\n  "timestamp": 1763726400000,\n  "event": "meeting.started",\n  "note": "a\\/b",\n  "payload": {}\n}';
    const value = await verified(undefined, { eventInfoText: text });
    expect(value.eventInfo).toEqual({ timestamp: 1763726400000, event: "meeting.started", note: "a/b", payload: {} });
  });

  it("is not confused by quotes, braces and a nested eventInfo inside the value", async () => {
    const tricky = {
      event: "meeting.modify",
      payload: {
        meetingInfo: { meetingID: "1", subject: 'say "}" and {"eventInfo":{}} \\ 会议' },
        eventInfo: { event: "decoy" },
        list: ["]", "}", { "}": "{" }],
      },
    };
    const text = JSON.stringify(tricky, null, 1);
    const value = await verified(undefined, { eventInfoText: text });
    expect(value.eventInfo).toEqual(tricky);
    expect(value.event).toBe("meeting.modify");
  });

  it("also accepts a signature over the compact JSON.stringify form", async () => {
    const text = JSON.stringify(STARTED, null, 2);
    const result = await verify(undefined, { eventInfoText: text, signedText: JSON.stringify(STARTED) });
    expect(result).toMatchObject({
      ok: true,
      value: { eventInfo: STARTED, compactEventInfo: JSON.stringify(STARTED) },
    });
  });

  it("gives every form that verifies the id of the compact serialization", async () => {
    const signedText = JSON.stringify(STARTED);
    const id = `huawei-meeting:${HUAWEI_APP_ID}:${await sha256Hex(signedText)}`;
    const escaped = signedText.replace('"meeting.started"', '"m\\u0065eting.started"');
    for (const eventInfoText of [signedText, JSON.stringify(STARTED, null, 2), escaped]) {
      expect((await normalizeOne(undefined, { eventInfoText, signedText })).id).toBe(id);
    }
    const pretty = JSON.stringify(STARTED, null, 2);
    expect((await normalizeOne(undefined, { eventInfoText: pretty })).id).toBe(id);
  });

  it("accepts nothing else: a signature over another serialization is rejected", async () => {
    const text = JSON.stringify(STARTED, null, 2);
    expect(await verify(undefined, { eventInfoText: text, signedText: JSON.stringify(STARTED, null, 4) })).toEqual(
      mismatch,
    );
  });

  it("rejects another key's signature", async () => {
    expect(await verify(STARTED, { appKey: "another-subscriber-key" })).toEqual(mismatch);
  });

  it("rejects a signature one character off", async () => {
    const good = await huaweiSignature(
      HUAWEI_APP_KEY,
      HUAWEI_APP_ID,
      String(NOW),
      HUAWEI_NONCE,
      JSON.stringify(STARTED),
    );
    const signature = `${good.slice(0, -1)}${good.endsWith("0") ? "1" : "0"}`;
    expect(await verify(STARTED, { signature })).toEqual(mismatch);
  });

  it("rejects a signature that is not a SHA-256 hex digest before hashing", async () => {
    expect(await verify(STARTED, { signature: "not-hex" })).toEqual({
      ok: false,
      status: 401,
      reason: "signature is not a SHA-256 hex digest",
    });
  });

  it("rejects an eventInfo changed after signing", async () => {
    const signedText = JSON.stringify(STARTED);
    const eventInfoText = JSON.stringify(huaweiEventInfo("meeting.end"));
    expect(await verify(undefined, { signedText, eventInfoText })).toEqual(mismatch);
  });

  it("rejects a changed nonce", async () => {
    const body = (await huaweiBody(STARTED, { now: NOW })).replace(HUAWEI_NONCE, "another-nonce");
    expect(await verifyBody(body)).toEqual(mismatch);
  });

  it("rejects another subscriber's appID, even correctly signed", async () => {
    expect(await verify(STARTED, { appId: "hw-subscriber-9999" })).toEqual({
      ok: false,
      status: 401,
      reason: "appID does not match HUAWEI_MEETING_APP_ID",
    });
  });

  it.each([
    ["stale", NOW - 3601_000],
    ["from the future", NOW + 3601_000],
  ])("rejects a %s timestamp", async (_, timestamp) => {
    expect(await verify(STARTED, { timestamp })).toEqual({
      ok: false,
      status: 401,
      reason: "timestamp is outside the replay window",
    });
  });

  it("accepts a timestamp at the edge of the window, and any age when the window is 0", async () => {
    expect((await verify(STARTED, { timestamp: NOW - 3600_000 })).ok).toBe(true);
    const old = await huaweiInbound(STARTED, { timestamp: NOW - 86_400_000 });
    expect((await huaweiMeeting.verify(old, credentials, { now: NOW, replayWindowSeconds: 0 })).ok).toBe(true);
  });

  it("accepts a timestamp sent as a digit string, signed as sent", async () => {
    expect((await verify(STARTED, { timestamp: String(NOW) })).ok).toBe(true);
  });
});

describe("Huawei Meeting malformed input", () => {
  it.each([
    ["appID", "body has no appID string"],
    ["timestamp", "body has no timestamp in milliseconds"],
    ["nonce", "body has no nonce string"],
    ["signature", "body has no signature string"],
    ["eventInfo", "body has no eventInfo"],
  ])("answers 400 when %s is missing", async (field, reason) => {
    expect(await verify(STARTED, { omit: [field] })).toEqual({ ok: false, status: 400, reason });
  });

  it("answers 400 for a body that is not JSON, or not an object", async () => {
    const notObject = { ok: false, status: 400, reason: "body is not a JSON object" };
    expect(await verifyBody('{"appID": "x", ')).toEqual(notObject);
    expect(await verifyBody("[1,2]")).toEqual(notObject);
    expect(await verifyBody("")).toEqual(notObject);
  });

  it("answers 400 for wrong types", async () => {
    expect(await verify(STARTED, { timestamp: "soon" })).toMatchObject({ status: 400 });
    expect(await verify(STARTED, { timestamp: -5 })).toMatchObject({ status: 400 });
    expect(await verify(undefined, { eventInfoText: '"meeting.started"' })).toEqual({
      ok: false,
      status: 400,
      reason: "eventInfo is not a JSON object",
    });
  });

  it("answers 400 when the body carries eventInfo twice (what is signed must be what is read)", async () => {
    const body = await huaweiBody(STARTED, { now: NOW });
    const twice = `${body.slice(0, -1)},"eventInfo":${JSON.stringify(huaweiEventInfo("meeting.cancel"))}}`;
    expect(await verifyBody(twice)).toEqual({ ok: false, status: 400, reason: "body has more than one eventInfo" });
  });

  it("answers 400 for a correctly signed eventInfo without an event", async () => {
    expect(await verify({ timestamp: NOW, payload: {} })).toEqual({
      ok: false,
      status: 400,
      reason: "eventInfo has no event",
    });
  });
});

describe("rawMemberText", () => {
  it("returns the value text as written, whitespace inside included", () => {
    expect(rawMemberText(' { "a" : 1 , "eventInfo" :  { "x" : [ 1, "}" ] }  , "b": null } ', "eventInfo")).toEqual({
      found: "one",
      text: '{ "x" : [ 1, "}" ] }',
    });
  });

  it("recognizes an escaped spelling of the key and ignores the name inside strings", () => {
    expect(rawMemberText('{"s":"\\"eventInfo\\":1","event\\u0049nfo":true}', "eventInfo")).toEqual({
      found: "one",
      text: "true",
    });
  });

  it("tells none from several", () => {
    expect(rawMemberText("{}", "eventInfo")).toEqual({ found: "none" });
    expect(rawMemberText('{"eventInfo":1,"eventInfo":2}', "eventInfo")).toEqual({ found: "several" });
    expect(rawMemberText("[]", "eventInfo")).toBeUndefined();
  });

  it("finds exactly the member's text in any JSON object, whatever the values and spacing", () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.jsonValue(),
        fc.jsonValue(),
        fc.constantFrom(undefined, 1, 2, "\t"),
        (before, value, after, indent) => {
          const text = JSON.stringify(value, null, indent);
          const json = `{"before":${JSON.stringify(before, null, indent)},\n "eventInfo" : ${text} ,"after":${JSON.stringify(after)}}`;
          expect(rawMemberText(json, "eventInfo")).toEqual({ found: "one", text });
        },
      ),
    );
  });
});

describe("Huawei Meeting handshake and answers", () => {
  it("answers meeting.verify with the request's nonce, as JSON, and forwards nothing", async () => {
    const value = await verified(huaweiEventInfo("meeting.verify"), { nonce: "nonce-from-huawei" });
    expect(huaweiMeeting.handshake(value)).toEqual({
      status: 200,
      body: '{"event":"meeting.verify","nonce":"nonce-from-huawei"}',
      contentType: "application/json; charset=utf-8",
    });
  });

  it("echoes event and nonce for every other event, with no handshake", async () => {
    const value = await verified(huaweiEventInfo("meeting.end"));
    expect(huaweiMeeting.handshake(value)).toBeNull();
    expect(huaweiMeeting.success(value)).toEqual({
      status: 200,
      body: `{"event":"meeting.end","nonce":"${HUAWEI_NONCE}"}`,
      contentType: "application/json; charset=utf-8",
    });
  });
});

describe("Huawei Meeting normalization", () => {
  it.each(Object.entries(HUAWEI_MEETING_TYPES))("maps %s to %s", async (event, type) => {
    expect(await normalizeOne(huaweiEventInfo(event))).toMatchObject({ type, providerevent: event });
  });

  it("maps every documented event type", () => {
    expect(HUAWEI_MEETING_TYPES).toEqual({
      "meeting.create": "meeting.created",
      "meeting.modify": "meeting.updated",
      "meeting.cancel": "meeting.canceled",
      "meeting.started": "meeting.started",
      "meeting.end": "meeting.ended",
      "meeting.conclude": "meeting.closed",
      "meeting.join": "participant.joined",
      "meeting.left": "participant.left",
      "record.finish": "recording.completed",
    });
  });

  it("forwards an unknown event as huawei-meeting/<event>", async () => {
    expect(await normalizeOne(huaweiEventInfo("meeting.lock"))).toMatchObject({
      type: "huawei-meeting/meeting.lock",
      providerevent: "meeting.lock",
    });
  });

  it("carries meeting, participant (Chinese name intact), time, subject and raw untouched", async () => {
    const eventInfo = huaweiEventInfo("meeting.join", { attendeeInfo: HUAWEI_ATTENDEE });
    const event = await normalizeOne(eventInfo);
    expect(event).toEqual({
      id: `huawei-meeting:${HUAWEI_APP_ID}:${await sha256Hex(JSON.stringify(eventInfo))}`,
      type: "participant.joined",
      subject: "989156085",
      time: "2025-11-21T12:00:00Z",
      providerevent: "meeting.join",
      data: {
        meeting: { id: "989156085", uuid: "a1b2c3d4e5f60718293a4b5c6d7e8f90" },
        participant: {
          id: "ff80808167ef1edf0167f339533d05a6",
          name: "张三（研发部）",
          phone: "+8613800000000",
          role: 1,
          account: "zhangsan@example.com",
          joined: "2025-11-21T12:01:00Z",
          left: "2025-11-21T12:31:00Z",
        },
        raw: eventInfo,
      },
    });
  });

  it("falls back to the push's timestamp when eventInfo has none", async () => {
    const { timestamp: _, ...withoutTime } = huaweiEventInfo("meeting.started");
    expect((await normalizeOne(withoutTime)).time).toBe("2026-11-21T12:00:00Z");
  });

  it("gives an identical retry the same id, even with a new nonce and timestamp", async () => {
    const first = await normalizeOne(STARTED);
    const retry = await normalizeOne(STARTED, { nonce: "retry-nonce", timestamp: NOW + 60_000 });
    expect(retry.id).toBe(first.id);
  });

  it("gives different events different ids", async () => {
    const ids = await Promise.all(
      [
        huaweiEventInfo("meeting.started"),
        huaweiEventInfo("meeting.end"),
        huaweiEventInfo("meeting.started", { timestamp: 1_763_726_400_001 }),
        huaweiEventInfo("meeting.join", { attendeeInfo: HUAWEI_ATTENDEE }),
        huaweiEventInfo("meeting.join", { attendeeInfo: { ...HUAWEI_ATTENDEE, userUUID: "another" } }),
      ].map(async (eventInfo) => (await normalizeOne(eventInfo)).id),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });
});
