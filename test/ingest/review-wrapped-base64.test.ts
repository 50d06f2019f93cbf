import { describe, expect, it } from "vitest";
import { sha1Hex } from "../../src/lib/crypto";
import { PARTICIPANT_JOINED, TEST_ENCODING_AES_KEY } from "../fixtures/tencent-meeting-current";
import {
  base64Json,
  encryptTencent,
  TENCENT_TOKEN,
  tencentCheckRequest,
  tencentEventRequest,
} from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

/** base64 in lines of 76 characters, as a MIME encoder writes it (Java's `Base64.getMimeEncoder()`: CRLF). */
const wrapped = (base64: string, separator = "\r\n") => (base64.match(/.{1,76}/g) ?? []).join(separator);

const DATA = base64Json(PARTICIPANT_JOINED);

describe("Tencent Meeting: signed base64 in lines or with surrounding whitespace", () => {
  it.each([
    ["in CRLF lines of 76", wrapped(DATA)],
    ["in LF lines of 76", wrapped(DATA, "\n")],
    ["with a trailing newline and leading space", ` ${DATA}\n`],
  ])("data %s is the same event as the data in one line", async (_, data) => {
    const plain = await callWorker(await tencentEventRequest(DATA));
    const sent = await callWorker(await tencentEventRequest(data));
    expect(sent.response.status).toBe(200);
    expect(await sent.response.text()).toBe("successfully received callback");
    expect(sent.enqueued).toEqual(plain.enqueued);
    expect(sent.enqueued).toHaveLength(1);
  });

  it("decrypts ciphertext sent in CRLF lines with an EncodingAESKey", async () => {
    const env = { TENCENT_MEETING_ENCODING_AES_KEY: TEST_ENCODING_AES_KEY };
    const ciphertext = await encryptTencent(JSON.stringify(PARTICIPANT_JOINED), TEST_ENCODING_AES_KEY);
    const plain = await callWorker(await tencentEventRequest(DATA));
    const sent = await callWorker(await tencentEventRequest(wrapped(ciphertext)), env);
    expect(sent.response.status).toBe(200);
    expect(sent.enqueued).toEqual(plain.enqueued);
  });

  it("answers a URL check whose check_str comes in CRLF lines with the decoded text", async () => {
    const text = "a check string long enough to need two lines of base64: 0123456789 0123456789 0123456789";
    const checkStr = wrapped(btoa(text));
    const { response } = await callWorker(await tencentCheckRequest(checkStr));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(text);
  });

  it("still checks the signature over the data exactly as sent: one signed in a single line, sent in lines, is refused", async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = "1735688459";
    const signature = await sha1Hex([TENCENT_TOKEN, timestamp, nonce, DATA].sort().join(""));
    const { response, enqueued } = await callWorker(
      await tencentEventRequest(wrapped(DATA), { timestamp, nonce, signature }),
    );
    expect(response.status).toBe(401);
    expect(enqueued).toEqual([]);
  });
});
