import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { eventId } from "../../src/providers/event-id";
import { normalizeHuaweiMeeting } from "../../src/providers/huawei-meeting/normalize";
import { normalizeTencentWhiteboard } from "../../src/providers/tencent-whiteboard/normalize";
import { normalizeYunhuni } from "../../src/providers/yunhuni/normalize";

/** What every event id must be: a short KV key and a valid header value. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,512}$/;
const UNSAFE = "a b\r\nwebhook-signature: forged\u4f1a";

describe("event ids are safe KV keys and header values", () => {
  it("keeps plain provider parts verbatim", async () => {
    expect(await eventId("tencent-meeting", "e7aa65dd-f7e6.4b62:912c_x", 3)).toBe(
      "tencent-meeting:e7aa65dd-f7e6.4b62:912c_x:3",
    );
  });

  it("replaces a part with spaces, line breaks or non-ASCII text by its SHA-256 hex", async () => {
    expect(await eventId("tencent-meeting", UNSAFE, 0)).toBe(`tencent-meeting:${await sha256Hex(UNSAFE)}:0`);
  });

  it("replaces an empty part and one longer than 128 characters", async () => {
    const long = "a".repeat(129);
    expect(await eventId("yunhuni", "", long)).toBe(`yunhuni:${await sha256Hex("")}:${await sha256Hex(long)}`);
    expect(await eventId("yunhuni", "a".repeat(128))).toBe(`yunhuni:${"a".repeat(128)}`);
  });

  it("hashes an unsafe Huawei appID", async () => {
    const event = await normalizeHuaweiMeeting(
      {
        appId: UNSAFE,
        nonce: "n",
        sentAt: 0,
        event: "meeting.started",
        eventInfo: { event: "meeting.started" },
        compactEventInfo: '{"event":"meeting.started"}',
      },
      0,
    );
    expect(event.id).toMatch(SAFE_ID);
    expect(event.id.startsWith(`huawei-meeting:${await sha256Hex(UNSAFE)}:`)).toBe(true);
  });

  it("hashes an unsafe whiteboard SdkAppId", async () => {
    const event = await normalizeTencentWhiteboard(
      {
        callback: {
          Timestamp: 1,
          SdkAppId: UNSAFE,
          ExpireTime: 2,
          Sign: "s",
          EventType: "TranscodeFinished",
          EventData: {},
        },
      },
      0,
    );
    expect(event.id).toMatch(SAFE_ID);
    expect(event.id.startsWith(`tencent-whiteboard:${await sha256Hex(UNSAFE)}:`)).toBe(true);
  });

  it("keeps Yunhuni ids safe whatever the conference id holds", async () => {
    const event = await normalizeYunhuni({ event: "conf.end", id: UNSAFE }, 0);
    expect(event.id).toMatch(SAFE_ID);
  });
});
