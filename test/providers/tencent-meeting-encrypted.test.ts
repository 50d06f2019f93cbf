import { describe, expect, it, vi } from "vitest";
import { credentialLookup } from "../../src/config/account-credentials";
import type { Env } from "../../src/core/env";
import { SettingsError } from "../../src/core/errors";
import { tencentMeeting } from "../../src/providers/tencent-meeting";
import { decryptTencent } from "../../src/providers/tencent-meeting/decrypt";
import { NODE_VECTORS, PARTICIPANT_JOINED, TEST_ENCODING_AES_KEY } from "../fixtures/tencent-meeting-current";
import { lookupFrom } from "../support/credentials";
import { CLOCK, NOW, tencentInbound } from "../support/tencent-inbound";
import { base64Json, encryptTencent, TENCENT_TOKEN } from "../support/tencent-meeting";

const OTHER_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut";
const SECRETS: Record<string, string> = {
  TENCENT_MEETING_TOKEN: TENCENT_TOKEN,
  TENCENT_MEETING_ENCODING_AES_KEY: TEST_ENCODING_AES_KEY,
};
const credentials = tencentMeeting.credentials(lookupFrom(SECRETS));

async function verify(data: string, method: "GET" | "POST" = "POST") {
  return tencentMeeting.verify(await tencentInbound(data, method), credentials, CLOCK);
}

describe("Tencent Meeting with an EncodingAESKey", () => {
  it("answers the URL verification with the decrypted check_str (Node-made vector)", async () => {
    const result = await verify(NODE_VECTORS.checkStr, "GET");
    if (!result.ok) throw new Error(result.reason);
    expect(tencentMeeting.handshake(result.value)).toEqual({
      status: 200,
      body: NODE_VECTORS.checkStrPlain,
      contentType: "text/plain; charset=utf-8",
    });
  });

  it("decrypts an event's data (Node-made vector) into the same event as the plain callback", async () => {
    const result = await verify(NODE_VECTORS.participantJoined);
    if (!result.ok) throw new Error(result.reason);
    const plain = await verify(base64Json(PARTICIPANT_JOINED));
    if (!plain.ok) throw new Error(plain.reason);
    const events = await tencentMeeting.normalize(result.value, NOW);
    expect(events).toEqual(await tencentMeeting.normalize(plain.value, NOW));
    expect(events.map((event) => event.id)).toEqual(["tencent-meeting:e7aa65dd-f7e6-4b62-912c-2035173b34a9:0"]);
  });

  it("encrypts in the test helper exactly as Node does", async () => {
    expect(await encryptTencent(JSON.stringify(PARTICIPANT_JOINED), TEST_ENCODING_AES_KEY)).toBe(
      NODE_VECTORS.participantJoined,
    );
  });

  it("still accepts a data that is plain base64 JSON", async () => {
    const result = await verify(base64Json(PARTICIPANT_JOINED));
    expect(result).toMatchObject({ ok: true, value: { kind: "event" } });
  });

  it("still answers a plain base64 check_str", async () => {
    const result = await verify(base64Json("plain"), "GET");
    expect(result).toEqual({
      ok: true,
      value: { kind: "url-verification", plainText: '"plain"' },
      credential: "current",
    });
  });

  it("rejects data encrypted with another key with 400 naming the secret", async () => {
    const data = await encryptTencent(JSON.stringify(PARTICIPANT_JOINED), OTHER_KEY);
    expect(await verify(data)).toEqual({
      ok: false,
      status: 400,
      reason:
        "data could not be decrypted with TENCENT_MEETING_ENCODING_AES_KEY (it must equal the console's EncodingAESKey)",
    });
  });

  it("rejects a check_str encrypted with another key with 400 naming the secret", async () => {
    const checkStr = await encryptTencent("\u00ff".repeat(40), OTHER_KEY);
    expect(await verify(checkStr, "GET")).toMatchObject({
      status: 400,
      reason: expect.stringMatching(/^check_str could not be decrypted with TENCENT_MEETING_ENCODING_AES_KEY /),
    });
  });

  it("rejects data that decrypts to something other than a JSON object", async () => {
    const data = await encryptTencent("[1,2]", TEST_ENCODING_AES_KEY);
    expect(await verify(data)).toMatchObject({ status: 400, reason: "decrypted data is not a JSON object" });
  });

  it("checks the signature over the ciphertext as sent, not over the plain text", async () => {
    const inbound = await tencentInbound(base64Json(PARTICIPANT_JOINED));
    inbound.body = JSON.stringify({ data: NODE_VECTORS.participantJoined });
    expect(await tencentMeeting.verify(inbound, credentials, CLOCK)).toMatchObject({
      status: 401,
      reason: "signature mismatch",
    });
  });

  it("names the account's secret on an account route", async () => {
    const acme = tencentMeeting.credentials(
      credentialLookup(
        {
          TENCENT_MEETING_TOKEN_ACME: TENCENT_TOKEN,
          TENCENT_MEETING_ENCODING_AES_KEY_ACME: TEST_ENCODING_AES_KEY,
        } as unknown as Env,
        "acme",
      ),
    );
    const data = await encryptTencent("{}", OTHER_KEY);
    const result = await tencentMeeting.verify(await tencentInbound(data), acme, CLOCK);
    expect(result).toMatchObject({ reason: expect.stringContaining("TENCENT_MEETING_ENCODING_AES_KEY_ACME ") });
  });

  it("refuses a malformed EncodingAESKey as a configuration error naming the secret, never its value", () => {
    const malformed = `${TEST_ENCODING_AES_KEY.slice(0, 42)}=`;
    const settings = { TENCENT_MEETING_TOKEN_ACME: TENCENT_TOKEN, TENCENT_MEETING_ENCODING_AES_KEY_ACME: malformed };
    const build = () => tencentMeeting.credentials(credentialLookup(settings as unknown as Env, "acme"));
    expect(build).toThrow(SettingsError);
    expect(build).toThrow(
      "TENCENT_MEETING_ENCODING_AES_KEY_ACME must be the 43 letters and digits of the subscription's EncodingAESKey",
    );
  });

  it("imports the AES key once per key value and reuses it", async () => {
    const fresh = "Fresh0000000000000000000000000000000000Key1";
    const importKey = vi.spyOn(crypto.subtle, "importKey");
    try {
      const first = await encryptTencent("{}", fresh);
      importKey.mockClear();
      expect(await decryptTencent(first, fresh)).toBe("{}");
      expect(await decryptTencent(first, fresh)).toBe("{}");
      expect(importKey).toHaveBeenCalledTimes(1);
    } finally {
      importKey.mockRestore();
    }
  });

  it("answers null, never throws, for ciphertext that is not base64, empty or not whole blocks", async () => {
    for (const garbage of ["not base64!", "", "AAAA", "A".repeat(4000)]) {
      expect(await decryptTencent(garbage, TEST_ENCODING_AES_KEY)).toBeNull();
    }
  });
});

describe("Tencent Meeting while its EncodingAESKey is rotated", () => {
  const rotating = tencentMeeting.credentials(
    lookupFrom({ ...SECRETS, TENCENT_MEETING_ENCODING_AES_KEY_PREVIOUS: OTHER_KEY }),
  );
  const verifyRotating = async (data: string, method: "GET" | "POST" = "POST") =>
    tencentMeeting.verify(await tencentInbound(data, method), rotating, CLOCK);

  it("decrypts data encrypted with the previous key, and says the previous credential matched", async () => {
    const result = await verifyRotating(await encryptTencent(JSON.stringify(PARTICIPANT_JOINED), OTHER_KEY));
    expect(result).toMatchObject({ ok: true, value: { kind: "event" }, credential: "previous" });
    if (!result.ok) throw new Error(result.reason);
    const events = await tencentMeeting.normalize(result.value, NOW);
    expect(events.map((event) => event.id)).toEqual(["tencent-meeting:e7aa65dd-f7e6-4b62-912c-2035173b34a9:0"]);
  });

  it("answers a check_str encrypted with the previous key", async () => {
    const result = await verifyRotating(await encryptTencent("previous-key-check", OTHER_KEY), "GET");
    expect(result).toEqual({
      ok: true,
      value: { kind: "url-verification", plainText: "previous-key-check" },
      credential: "previous",
    });
  });

  it("tries the current key first: its ciphertext (a Node-made vector) is the current credential's", async () => {
    expect(await verifyRotating(NODE_VECTORS.participantJoined)).toMatchObject({ ok: true, credential: "current" });
    expect(await verifyRotating(NODE_VECTORS.checkStr, "GET")).toEqual({
      ok: true,
      value: { kind: "url-verification", plainText: NODE_VECTORS.checkStrPlain },
      credential: "current",
    });
  });

  it("rejects a ciphertext neither key decrypts with 400 naming both secrets", async () => {
    const data = await encryptTencent(
      JSON.stringify(PARTICIPANT_JOINED),
      "Third000000000000000000000000000000000Key01",
    );
    expect(await verifyRotating(data)).toEqual({
      ok: false,
      status: 400,
      reason:
        "data could not be decrypted with TENCENT_MEETING_ENCODING_AES_KEY or TENCENT_MEETING_ENCODING_AES_KEY_PREVIOUS (it must equal the console's EncodingAESKey)",
    });
  });

  it("refuses data encrypted with the old key once the previous one is unset", async () => {
    const data = await encryptTencent(JSON.stringify(PARTICIPANT_JOINED), OTHER_KEY);
    expect(await verify(data)).toMatchObject({ ok: false, status: 400 });
  });

  it("refuses a malformed previous EncodingAESKey as a configuration error naming it", () => {
    const build = () =>
      tencentMeeting.credentials(lookupFrom({ ...SECRETS, TENCENT_MEETING_ENCODING_AES_KEY_PREVIOUS: "short" }));
    expect(build).toThrow(SettingsError);
    expect(build).toThrow(
      "TENCENT_MEETING_ENCODING_AES_KEY_PREVIOUS must be the 43 letters and digits of the subscription's EncodingAESKey",
    );
  });
});
