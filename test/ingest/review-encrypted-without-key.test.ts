import { describe, expect, it } from "vitest";
import { NODE_VECTORS, TEST_ENCODING_AES_KEY } from "../fixtures/tencent-meeting-current";
import { tencentCheckRequest, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

/** The subscription has an EncodingAESKey in Tencent's console; the relay's base route has no key set. */
const MISSING_KEY = {
  error:
    "the relay is misconfigured: the signed data is encrypted (its base64 is AES ciphertext, not UTF-8 text), and TENCENT_MEETING_ENCODING_AES_KEY is not set: set it to the subscription's EncodingAESKey",
  code: "relay_misconfigured",
};

describe("an encrypted callback to a route without TENCENT_MEETING_ENCODING_AES_KEY", () => {
  it("is answered 503 naming the secret, queuing nothing, so Tencent's retries succeed once it is set", async () => {
    const { response, enqueued } = await callWorker(await tencentEventRequest(NODE_VECTORS.participantJoined));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual(MISSING_KEY);
    expect(enqueued).toEqual([]);

    // Tencent's retry, once the operator has set the key: delivered.
    const retry = await callWorker(await tencentEventRequest(NODE_VECTORS.participantJoined), {
      TENCENT_MEETING_ENCODING_AES_KEY: TEST_ENCODING_AES_KEY,
    });
    expect(retry.response.status).toBe(200);
    expect(await retry.response.text()).toBe("successfully received callback");
    expect(retry.enqueued).toHaveLength(1);
  });

  it("answers the encrypted URL check the same way, naming the secret", async () => {
    const { response, enqueued } = await callWorker(await tencentCheckRequest(NODE_VECTORS.checkStr));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ ...MISSING_KEY, error: MISSING_KEY.error.replace("data", "check_str") });
    expect(enqueued).toEqual([]);
  });

  it("still refuses a forged one 401, saying nothing about the key", async () => {
    const request = await tencentEventRequest(NODE_VECTORS.participantJoined, { token: "another-token-000000000000" });
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "signature mismatch", code: "signature_invalid" });
    expect(enqueued).toEqual([]);
  });
});
