import { equalSameLength, sha1Hex } from "../../lib/crypto";
import { epochToMs } from "../../lib/time";
import { matchingCredential } from "../candidates";
import { isFresh } from "../freshness";
import { type Clock, type CredentialSlot, type InboundRequest, reject, type Verification } from "../types";
import type { TencentMeetingCredentials } from "./aes-key";
import { callbackOf, type TencentMeetingCallback } from "./callback";
import { decodedData, plainCheckStr } from "./decode";
import { checkStrOf, dataOf } from "./request";

export type TencentMeetingVerified =
  | { kind: "url-verification"; plainText: string }
  | { kind: "event"; callback: TencentMeetingCallback };

const SHA1_HEX = /^[0-9a-f]{40}$/i;

/**
 * Tencent's signature: sort token, timestamp, nonce and data in byte order
 * (plain `sort()`, not a locale compare), join, SHA-1, lower-case hex.
 * https://cloud.tencent.com/document/product/1095/51608
 */
export async function tencentSignature(token: string, timestamp: string, nonce: string, data: string): Promise<string> {
  return sha1Hex([token, timestamp, nonce, data].sort().join(""));
}

/**
 * Signature, freshness, then the decoded `check_str` or callback. Never throws for bad input; a signed value
 * that arrives encrypted while the route has no EncodingAESKey throws a `SettingsError` (503 naming the
 * secret): the operator's to fix, and Tencent retries until it is.
 */
export async function verifyTencentMeeting(
  request: InboundRequest,
  { tokens, encryption, encodingAesKeyName }: TencentMeetingCredentials,
  clock: Clock,
): Promise<Verification<TencentMeetingVerified>> {
  const timestamp = request.headers.get("timestamp");
  const nonce = request.headers.get("nonce");
  const signature = request.headers.get("signature");
  if (!timestamp || !nonce || !signature) {
    return reject(401, "missing timestamp, nonce or signature header");
  }
  if (!/^\d{1,16}$/.test(timestamp)) return reject(401, "timestamp header is not a Unix time");
  if (!SHA1_HEX.test(signature)) return reject(401, "signature header is not a SHA-1 hex digest");
  if (!isFresh(epochToMs(Number(timestamp)), clock)) {
    return reject(401, "timestamp is outside the replay window");
  }

  const isCheck = request.method === "GET";
  const data = isCheck ? checkStrOf(request.rawQuery) : dataOf(request.body);
  if (!data.ok) return data;
  // Signed as sent: with an EncodingAESKey, that is the ciphertext's base64.
  const given = signature.toLowerCase();
  const credential = await matchingCredential(tokens, async (token) =>
    equalSameLength(await tencentSignature(token, timestamp, nonce, data.value), given),
  );
  if (credential === undefined) return reject(401, "signature mismatch");

  if (isCheck) {
    const plain = await plainCheckStr(data.value, encryption, encodingAesKeyName);
    if (!plain.ok) return plain;
    const value = { kind: "url-verification" as const, plainText: plain.value.value };
    return { ok: true, value, credential: either(credential, plain.value.key) };
  }
  const decoded = await decodedData(data.value, encryption, encodingAesKeyName);
  if (!decoded.ok) return decoded;
  const callback = await callbackOf(decoded.value.value, data.value);
  if (!callback.ok) return callback;
  return {
    ok: true,
    value: { kind: "event", callback: callback.value },
    credential: either(credential, decoded.value.key),
  };
}

/** A callback that needed any `_PREVIOUS` secret (the token or the EncodingAESKey) counts as previous. */
function either(token: CredentialSlot, aesKey: CredentialSlot | undefined): CredentialSlot {
  return token === "previous" || aesKey === "previous" ? "previous" : "current";
}
