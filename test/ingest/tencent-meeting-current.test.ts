import { describe, expect, it } from "vitest";
import { NODE_VECTORS, PARTICIPANT_JOINED, TEST_ENCODING_AES_KEY } from "../fixtures/tencent-meeting-current";
import { TEST_BINDINGS } from "../support/bindings";
import { base64Json, encryptTencent, tencentCheckRequest, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

const ACME = { path: "/webhooks/tencent-meeting/acme", token: TEST_BINDINGS.TENCENT_MEETING_TOKEN_ACME };
const TRACE_ID = "tencent-meeting:e7aa65dd-f7e6-4b62-912c-2035173b34a9:0";

describe("POST /webhooks/tencent-meeting: today's callbacks", () => {
  it("queues a callback that carries trace_id instead of unique_sequence", async () => {
    const { response, enqueued } = await callWorker(await tencentEventRequest(base64Json(PARTICIPANT_JOINED)));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("successfully received callback");
    expect(enqueued.map(({ id, type, time, source }) => ({ id, type, time, source }))).toEqual([
      { id: TRACE_ID, type: "participant.joined", time: "2020-12-30T07:26:41Z", source: "/webhooks/tencent-meeting" },
    ]);
    expect(enqueued[0]?.data.participant).toMatchObject({ name: "张三", joined: "2020-12-30T07:26:41Z" });
  });
});

describe("/webhooks/tencent-meeting/acme: encrypted callbacks (TENCENT_MEETING_ENCODING_AES_KEY_ACME)", () => {
  it("decrypts and queues an encrypted event", async () => {
    const { response, enqueued } = await callWorker(await tencentEventRequest(NODE_VECTORS.participantJoined, ACME));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("successfully received callback");
    expect(enqueued.map(({ id, source }) => ({ id, source }))).toEqual([
      { id: TRACE_ID, source: "/webhooks/tencent-meeting/acme" },
    ]);
    expect(enqueued[0]?.data.participant).toMatchObject({ name: "张三" });
  });

  it("answers the encrypted URL verification with the plain text, every time Tencent repeats it", async () => {
    for (let repeat = 0; repeat < 2; repeat++) {
      const { response, enqueued } = await callWorker(await tencentCheckRequest(NODE_VECTORS.checkStr, ACME));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(await response.text()).toBe(NODE_VECTORS.checkStrPlain);
      expect(enqueued).toEqual([]);
    }
  });

  it("answers 400 naming the secret and queues nothing when the data was encrypted with another key", async () => {
    const data = await encryptTencent(JSON.stringify(PARTICIPANT_JOINED), TEST_ENCODING_AES_KEY.toLowerCase());
    const { response, enqueued } = await callWorker(await tencentEventRequest(data, ACME));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error:
        "data could not be decrypted with TENCENT_MEETING_ENCODING_AES_KEY_ACME (it must equal the console's EncodingAESKey)",
      code: "invalid_callback",
    });
    expect(enqueued).toEqual([]);
  });

  it("answers 503 naming a malformed EncodingAESKey and queues nothing, so Tencent retries once it is fixed", async () => {
    const { response, enqueued } = await callWorker(await tencentEventRequest(NODE_VECTORS.participantJoined, ACME), {
      TENCENT_MEETING_ENCODING_AES_KEY_ACME: "not-a-43-character-key",
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error:
        "the relay is misconfigured: TENCENT_MEETING_ENCODING_AES_KEY_ACME must be the 43 letters and digits of the subscription's EncodingAESKey",
      code: "relay_misconfigured",
    });
    expect(enqueued).toEqual([]);
  });
});
