import { describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../support/bindings";
import { encryptTencent, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

const path = "/webhooks/tencent-meeting/acme";
const token = TEST_BINDINGS.TENCENT_MEETING_TOKEN_ACME;
const KEY = TEST_BINDINGS.TENCENT_MEETING_ENCODING_AES_KEY_ACME;
const SECRET_EVENT = {
  event: "meeting.created",
  trace_id: "t-1",
  payload: [{ meeting_info: { subject: "董事会：并购计划" } }],
};

/**
 * Tencent signs a URL check's `check_str` as it signs an event's `data` (token, timestamp, nonce, the text):
 * whoever saw one encrypted event (its headers and body: a proxy's log, say) could send it back as a URL check,
 * and the relay, which answers a check with its plain text, would decrypt the event for them.
 */
describe("Tencent Meeting: an event's signed data sent back as a URL check", () => {
  it.each([
    ["encrypted with the EncodingAESKey", () => encryptTencent(JSON.stringify(SECRET_EVENT), KEY)],
    ["plain base64", async () => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(SECRET_EVENT))))],
  ])("is refused 401 unanswered, and queues nothing (%s)", async (_, data) => {
    const post = await tencentEventRequest(await data(), { path, token });
    const headers = new Headers(post.headers);
    headers.delete("content-type");
    const checkStr = encodeURIComponent(((await post.json()) as { data: string }).data);
    const get = new Request(`http://relay.test${path}?check_str=${checkStr}`, { headers });
    const { response, calls } = await callWorker(get);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: "check_str is an event's data, not a URL check",
      code: "signature_invalid",
    });
    expect(calls).toEqual([]);
  });
});
