import { describe, expect, it } from "vitest";
import { encodeBase64, encodeUtf8 } from "../../src/lib/bytes";
import { tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";
import { yunhuniRequest } from "../support/yunhuni";

/** `data` of a Tencent callback written as JSON text, so a number keeps every digit sent. */
const dataOf = (json: string) => encodeBase64(encodeUtf8(json));

describe("an id or name sent as a JSON number past 2^53, which parsing rounds", () => {
  it("Tencent Meeting: the meeting, its subject and the operator's ids are left out, not shown with wrong digits", async () => {
    const data = dataOf(
      '{"event":"meeting.participant-joined","trace_id":"t-1","payload":[{"operate_time":1763726460000,' +
        '"operator":{"userid":12345678901234567891,"user_name":"张三","ms_open_id":98765432109876543210},' +
        '"meeting_info":{"meeting_id":12345678901234567891,"meeting_code":"530812452","subject":98765432109876543210}}]}',
    );
    const { response, enqueued } = await callWorker(await tencentEventRequest(data));
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    const [event] = enqueued;
    // String(12345678901234567891) is "12345678901234567000": another meeting's id, not this one's.
    expect(event?.subject).toBeUndefined();
    expect(event?.data.meeting).toEqual({ code: "530812452" });
    expect(event?.data.operator).toEqual({ name: "张三" });
    expect(event?.data.participant).toEqual({ name: "张三", joined: "2025-11-21T12:01:00Z" });
  });

  it("Tencent Meeting: a recording's file id sent that way is left out, and the file with it", async () => {
    const data = dataOf(
      '{"event":"recording.completed","trace_id":"t-2","payload":[{"meeting_info":{"meeting_id":"m-1"},' +
        '"recording_files":[{"record_file_id":12345678901234567891},{"record_file_id":"f-2"}]}]}',
    );
    const { enqueued } = await callWorker(await tencentEventRequest(data));
    expect(enqueued[0]?.data.recording).toEqual({ files: [{ id: "f-2" }] });
  });

  it("Yunhuni: a call id sent that way is left out of the participant", async () => {
    const body =
      '{"action":"event_notify","event":"conf.joined","id":"8a2a6a4e6b2c4f1e9d3c7b5a1f0e2d3c",' +
      '"join_time":1763726460000,"call_id":12345678901234567891,"part_uri":"13800000000"}';
    const { response, enqueued } = await callWorker(yunhuniRequest(undefined, { body }));
    expect(response.status).toBe(200);
    expect(enqueued[0]?.data.participant).toEqual({
      phone: "13800000000",
      uri: "13800000000",
      joined: "2025-11-21T12:01:00Z",
    });
  });

  it("keeps a safe number as its digits", async () => {
    const data = dataOf(
      '{"event":"meeting.end","trace_id":"t-3","payload":[{"meeting_info":{"meeting_id":9007199254740991}}]}',
    );
    const { enqueued } = await callWorker(await tencentEventRequest(data));
    expect(enqueued[0]?.subject).toBe("9007199254740991");
    expect(enqueued[0]?.data.meeting).toEqual({ id: "9007199254740991" });
  });
});
