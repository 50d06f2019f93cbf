import { describe, expect, it } from "vitest";
import { candidatesOf } from "../../src/providers/candidates";
import { tencentMeeting } from "../../src/providers/tencent-meeting";
import {
  ENROLL_CANCEL,
  PARTICIPANT_JOINED,
  RECORDING_COMPLETED,
  RECORDING_UPDATED,
} from "../fixtures/tencent-meeting-current";
import { CLOCK, NOW, tencentInbound } from "../support/tencent-inbound";
import { base64Json, TENCENT_TOKEN } from "../support/tencent-meeting";

const credentials = { tokens: candidatesOf(TENCENT_TOKEN) };

/** Verifies a signed plain (base64) callback and normalizes it. */
async function normalized(callback: unknown, data = base64Json(callback)) {
  const result = await tencentMeeting.verify(await tencentInbound(data), credentials, CLOCK);
  if (!result.ok) throw new Error(result.reason);
  return tencentMeeting.normalize(result.value, NOW);
}

const sha256 = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
    .map((byte) => byte.toString(16).padStart(2, "0"))
    .join("");

describe("Tencent Meeting as it sends today", () => {
  it("normalizes a participant-joined callback with trace_id, ms operate_time and the participant's name", async () => {
    const [item] = PARTICIPANT_JOINED.payload;
    expect(await normalized(PARTICIPANT_JOINED)).toEqual([
      {
        id: "tencent-meeting:e7aa65dd-f7e6-4b62-912c-2035173b34a9:0",
        type: "participant.joined",
        subject: "13339451618278424869",
        time: "2020-12-30T07:26:41Z",
        providerevent: "meeting.participant-joined",
        data: {
          meeting: {
            id: "13339451618278424869",
            code: "445999969",
            subject: "tester的快速会议",
            start: "2020-12-21T03:50:26Z",
            end: "2020-12-31T11:43:59Z",
            creator: { id: "tester-2", name: "tester-2_name", uuid: "WMfgHRYj6m36mcDGtK" },
          },
          operator: {
            id: "tester",
            name: "张三",
            uuid: "WMfgHRYj6m36mcDGtK",
            msOpenId: "WMfg36mcDGtK",
            instanceId: "2",
          },
          participant: {
            id: "tester",
            name: "张三",
            uuid: "WMfgHRYj6m36mcDGtK",
            msOpenId: "WMfg36mcDGtK",
            instanceId: "2",
            joined: "2020-12-30T07:26:41Z",
          },
          raw: item,
        },
      },
    ]);
  });

  it("prefers unique_sequence over trace_id when both are sent", async () => {
    const [event] = await normalized({ ...PARTICIPANT_JOINED, unique_sequence: "seq-2020" });
    expect(event?.id).toBe("tencent-meeting:seq-2020:0");
  });

  it("derives the id from the SHA-256 of the signed data when the callback has no sequence at all", async () => {
    const { trace_id: _traceId, ...anonymous } = PARTICIPANT_JOINED;
    const data = base64Json(anonymous);
    const [event] = await normalized(anonymous, data);
    expect(event?.id).toBe(`tencent-meeting:${await sha256(data)}:0`);
  });

  it("hashes a trace_id that is not safe as a key or header", async () => {
    const traceId = "trace id\r\nx-injected: 1";
    const [event] = await normalized({ ...PARTICIPANT_JOINED, trace_id: traceId });
    expect(event?.id).toBe(`tencent-meeting:${await sha256(traceId)}:0`);
  });

  it("identifies a phone or room participant without userid or uuid by ms_open_id", async () => {
    const [item] = PARTICIPANT_JOINED.payload;
    const operator = { userid: "", uuid: "", user_name: "+86 138****0000", ms_open_id: "WMfg36mcDGtK" };
    const [event] = await normalized({ ...PARTICIPANT_JOINED, payload: [{ ...item, operator }] });
    expect(event?.data.participant).toEqual({
      id: "WMfg36mcDGtK",
      name: "+86 138****0000",
      msOpenId: "WMfg36mcDGtK",
      joined: "2020-12-30T07:26:41Z",
    });
  });

  it("maps recording.completed to recording.completed with its files", async () => {
    const [event] = await normalized(RECORDING_COMPLETED);
    expect(event).toMatchObject({
      type: "recording.completed",
      providerevent: "recording.completed",
      subject: "13339451618278424869",
      data: {
        recording: { files: [{ id: "123242525" }, { id: "123242526" }] },
        meeting: { start: "2020-12-21T03:50:26Z" },
      },
    });
  });

  it("passes recording.updated through with its record id", async () => {
    const [event] = await normalized(RECORDING_UPDATED);
    expect(event).toMatchObject({
      type: "tencent-meeting/recording.updated",
      subject: "13339451618278424869",
      data: { recording: { id: "xxxxxxx" }, operator: { id: "tester", name: "tester_name" } },
    });
    expect(event?.data.participant).toBeUndefined();
  });

  it("takes the subject of enroll.cancel from enroll_info", async () => {
    const [event] = await normalized(ENROLL_CANCEL);
    expect(event).toMatchObject({
      id: "tencent-meeting:e7aa65dd-f7e6-4b62-912c-2035173b34b1:0",
      type: "tencent-meeting/enroll.cancel",
      subject: "13339451618278424869",
      time: "2020-12-30T07:26:41Z",
    });
    expect(event?.data.meeting).toBeUndefined();
  });

  it("reads meeting times sent as numeric strings", async () => {
    const [item] = PARTICIPANT_JOINED.payload;
    const meetingInfo = { meeting_id: "1", start_time: "1608522626", end_time: "1609415039" };
    const [event] = await normalized({ ...PARTICIPANT_JOINED, payload: [{ ...item, meeting_info: meetingInfo }] });
    expect(event?.data.meeting).toEqual({ id: "1", start: "2020-12-21T03:50:26Z", end: "2020-12-31T11:43:59Z" });
  });

  it("leaves out-of-range and odd times absent and falls back to the receipt time", async () => {
    const [item] = PARTICIPANT_JOINED.payload;
    const odd = {
      ...item,
      operate_time: 9007199254740991,
      meeting_info: { meeting_id: "1", start_time: 1e300, end_time: "2020-02-30 25:61:00" },
    };
    const [event] = await normalized({ ...PARTICIPANT_JOINED, payload: [odd] });
    expect(event?.time).toBe("2026-11-21T12:00:00Z");
    expect(event?.data.meeting).toEqual({ id: "1" });
  });
});
