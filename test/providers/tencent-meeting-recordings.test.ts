import { describe, expect, it } from "vitest";
import { candidatesOf } from "../../src/providers/candidates";
import { tencentMeeting } from "../../src/providers/tencent-meeting";
import {
  RECORDING_COMPLETED_WITH_ADDRESSES,
  RECORDING_FAILED,
  RECORDING_MEETING,
  RECORDING_STARTED,
  RECORDING_STOPPED,
  SMART_FULLSUMMARY,
  SMART_MINUTES,
  SMART_TRANSCRIPTS,
} from "../fixtures/tencent-meeting-recordings";
import { CLOCK, NOW, tencentInbound } from "../support/tencent-inbound";
import { base64Json, TENCENT_TOKEN, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

const credentials = { tokens: candidatesOf(TENCENT_TOKEN) };

/** Verifies a signed plain (base64) callback and normalizes it. */
async function normalized(callback: unknown) {
  const result = await tencentMeeting.verify(await tencentInbound(base64Json(callback)), credentials, CLOCK);
  if (!result.ok) throw new Error(result.reason);
  return tencentMeeting.normalize(result.value, NOW);
}

/** The one event of a one-item callback. */
async function only(callback: unknown) {
  const events = await normalized(callback);
  expect(events).toHaveLength(1);
  const [event] = events;
  if (event === undefined) throw new Error("no event");
  return event;
}

/** A smart.transcripts callback whose one item carries `recording_files` as given. */
function withFiles(recordingFiles: unknown) {
  const [item] = SMART_TRANSCRIPTS.payload;
  return { ...SMART_TRANSCRIPTS, payload: [{ ...item, recording_files: recordingFiles }] };
}

const SMART_MEETING = {
  id: "1234567890",
  code: "0987654321",
  subject: "test meeting",
  start: "2025-07-09T06:30:25Z",
  end: "2025-07-09T10:35:25Z",
  creator: { id: "test1", name: "abc123", uuid: "aabbcc123" },
};
const SMART_FILES = [
  { id: "1122334455", lang: "zh" },
  { id: "1122334466", lang: "en" },
];

describe("Tencent Meeting cloud recording events", () => {
  it.each([
    ["recording.started", RECORDING_STARTED],
    ["recording.stopped", RECORDING_STOPPED],
  ])("maps %s to the shared type with the meeting and who did it", async (name, callback) => {
    const event = await only(callback);
    expect(event).toEqual({
      id: `tencent-meeting:${callback.trace_id}:0`,
      type: name,
      subject: "13339451618278424869",
      time: "2020-12-30T07:26:41Z",
      providerevent: name,
      data: {
        meeting: RECORDING_MEETING,
        operator: { id: "tester", name: "tester_name", uuid: "WMfgHRYj6m36mcDGtK", msOpenId: "tester_id" },
        raw: callback.payload[0],
      },
    });
  });

  it("maps recording.failed to recording.failed with the file that failed", async () => {
    const event = await only(RECORDING_FAILED);
    expect(event).toMatchObject({ type: "recording.failed", providerevent: "recording.failed" });
    expect(event.data).toEqual({
      meeting: RECORDING_MEETING,
      recording: { files: [{ id: "123242527" }] },
      raw: RECORDING_FAILED.payload[0],
    });
  });

  it("gives each file of recording.completed its https address and drops an http one", async () => {
    const event = await only(RECORDING_COMPLETED_WITH_ADDRESSES);
    expect(event.type).toBe("recording.completed");
    expect(event.data.recording).toEqual({
      files: [{ id: "123242525", url: "https://meeting.tencent.com/crm/2w5nOdyr45" }, { id: "123242526" }],
    });
    expect(event.data.raw).toEqual(RECORDING_COMPLETED_WITH_ADDRESSES.payload[0]);
  });

  it("keeps passing other recording events through as tencent-meeting/<event>", async () => {
    for (const name of ["recording.paused", "recording.resumed", "recording.transcode-failed", "smart.topics"]) {
      const event = await only({ ...RECORDING_STARTED, event: name });
      expect(event.type).toBe(`tencent-meeting/${name}`);
      expect(event.data.meeting).toEqual(RECORDING_MEETING);
    }
  });
});

describe("Tencent Meeting smart (transcript, minutes, summary) events", () => {
  it("maps smart.transcripts to transcript.completed with each file's id and language", async () => {
    const event = await only(SMART_TRANSCRIPTS);
    expect(event).toEqual({
      id: `tencent-meeting:${SMART_TRANSCRIPTS.trace_id}:0`,
      type: "transcript.completed",
      subject: "1234567890",
      time: "2025-07-09T06:30:25Z",
      providerevent: "smart.transcripts",
      data: { meeting: SMART_MEETING, recording: { files: SMART_FILES }, raw: SMART_TRANSCRIPTS.payload[0] },
    });
  });

  it.each([
    ["smart.minutes", SMART_MINUTES],
    ["smart.fullsummary", SMART_FULLSUMMARY],
  ])("maps %s to summary.completed", async (name, callback) => {
    const event = await only(callback);
    expect(event).toMatchObject({ type: "summary.completed", providerevent: name, subject: "1234567890" });
    expect(event.data).toEqual({ meeting: SMART_MEETING, recording: { files: SMART_FILES }, raw: callback.payload[0] });
  });
});

describe("odd recording_files in a signed callback become absent, never a refusal", () => {
  it.each([
    ["a string", "123242525"],
    ["an object", { record_file_id: "123242525" }],
    ["a number", 7],
    ["null", null],
    ["an empty list", []],
    ["a list of nothing usable", [null, 5, "123", [], {}, { record_file_id: {} }, { lang: "zh" }]],
  ])("recording_files as %s: the event, its meeting and raw, without data.recording", async (_, files) => {
    const callback = withFiles(files);
    const event = await only(callback);
    expect(event.type).toBe("transcript.completed");
    expect(event.data).toEqual({ meeting: SMART_MEETING, raw: callback.payload[0] });
  });

  it("keeps what each file has and leaves out a lang or URL that is not a non-empty string or not https", async () => {
    const files = [
      { record_file_id: 123242525, lang: {}, view_address: 42 },
      { record_file_id: "a", lang: true, download_url: "javascript:alert(1)" },
      { record_file_id: "b", lang: "", meeting_record_url: "ftp://files.example/b.mp4" },
      { record_file_id: "c", view_address: "https://", download_address: "https://cdn.example/c.mp4" },
      { record_file_id: "d", view_address: "  HTTPS://Meeting.Example/d\n" },
      { view_address: "https://meeting.example/only-a-url" },
      { record_file_id: "e", download_url: ["https://cdn.example/e.mp4"] },
    ];
    const event = await only(withFiles(files));
    expect(event.data.recording).toEqual({
      files: [
        { id: "123242525" },
        { id: "a" },
        { id: "b" },
        { id: "c", url: "https://cdn.example/c.mp4" },
        { id: "d", url: "https://meeting.example/d" },
        { url: "https://meeting.example/only-a-url" },
        { id: "e" },
      ],
    });
    expect(event.data.raw).toEqual(withFiles(files).payload[0]);
  });
});

describe("POST /webhooks/tencent-meeting: recording, transcript and summary callbacks", () => {
  it("queues a signed smart.minutes callback as summary.completed and answers Tencent's success body", async () => {
    const { response, enqueued } = await callWorker(await tencentEventRequest(base64Json(SMART_MINUTES)));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("successfully received callback");
    expect(enqueued.map(({ id, type, subject, providerevent }) => ({ id, type, subject, providerevent }))).toEqual([
      {
        id: `tencent-meeting:${SMART_MINUTES.trace_id}:0`,
        type: "summary.completed",
        subject: "1234567890",
        providerevent: "smart.minutes",
      },
    ]);
    expect(enqueued[0]?.data.recording).toEqual({ files: SMART_FILES });
  });

  it("queues a signed callback whose recording_files is not a list, without data.recording", async () => {
    const callback = withFiles({ record_file_id: "123242525", download_url: 5 });
    const { response, enqueued } = await callWorker(await tencentEventRequest(base64Json(callback)));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("successfully received callback");
    expect(enqueued.map(({ type }) => type)).toEqual(["transcript.completed"]);
    expect(enqueued[0]?.data.recording).toBeUndefined();
    expect(enqueued[0]?.data.raw).toEqual(callback.payload[0]);
  });
});
