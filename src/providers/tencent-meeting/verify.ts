import { decodeBase64Utf8 } from "../../lib/bytes";
import { equalSameLength, sha1Hex } from "../../lib/crypto";
import { epochToMs } from "../../lib/time";
import { matchingCredential } from "../candidates";
import { isFresh } from "../freshness";
import { isRecord, parseJson } from "../json";
import { type Candidate, type Clock, type InboundRequest, reject, type Verification } from "../types";

export interface TencentMeetingCredentials {
  /** The token, and the previous one while it is being rotated. */
  tokens: readonly Candidate[];
}

export type TencentMeetingVerified =
  | { kind: "url-verification"; plainText: string }
  | { kind: "event"; callback: TencentMeetingCallback };

export interface TencentMeetingCallback {
  event: string;
  unique_sequence: string;
  payload: unknown[];
  [key: string]: unknown;
}

const SHA1_HEX = /^[0-9a-f]{40}$/i;

/**
 * Tencent's signature: sort token, timestamp, nonce and data in byte order
 * (plain `sort()`, not a locale compare), join, SHA-1, lower-case hex.
 * https://cloud.tencent.com/document/product/1095/51608
 */
export async function tencentSignature(token: string, timestamp: string, nonce: string, data: string): Promise<string> {
  return sha1Hex([token, timestamp, nonce, data].sort().join(""));
}

export async function verifyTencentMeeting(
  request: InboundRequest,
  { tokens }: TencentMeetingCredentials,
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

  const data = request.method === "GET" ? checkStrOf(request.rawQuery) : dataOf(request.body);
  if (typeof data !== "string") return data;

  const given = signature.toLowerCase();
  const credential = await matchingCredential(tokens, async (token) =>
    equalSameLength(await tencentSignature(token, timestamp, nonce, data), given),
  );
  if (credential === undefined) return reject(401, "signature mismatch");

  const plain = decodeBase64Utf8(data);
  if (plain === null) {
    return reject(400, `${request.method === "GET" ? "check_str" : "data"} is not base64-encoded UTF-8`);
  }
  if (request.method === "GET") return { ok: true, value: { kind: "url-verification", plainText: plain }, credential };

  const callback = parseJson(plain);
  if (!isRecord(callback)) return reject(400, "decoded data is not a JSON object");
  if (typeof callback.event !== "string" || callback.event === "") return reject(400, "decoded data has no event");
  if (typeof callback.unique_sequence !== "string" || callback.unique_sequence === "") {
    return reject(400, "decoded data has no unique_sequence");
  }
  if (!Array.isArray(callback.payload)) return reject(400, "decoded data has no payload array");
  return { ok: true, value: { kind: "event", callback: callback as TencentMeetingCallback }, credential };
}

/**
 * The raw `check_str` value, URL-decoded with `decodeURIComponent`:
 * `URLSearchParams` would turn a literal `+` of the base64 into a space.
 */
function checkStrOf(rawQuery: string): string | ReturnType<typeof reject> {
  for (const pair of rawQuery.split("&")) {
    const eq = pair.indexOf("=");
    if (eq === -1 || pair.slice(0, eq) !== "check_str") continue;
    try {
      const value = decodeURIComponent(pair.slice(eq + 1));
      return value === "" ? reject(400, "check_str is empty") : value;
    } catch {
      return reject(400, "check_str is not URL-encoded");
    }
  }
  return reject(400, "missing check_str query parameter");
}

function dataOf(body: string): string | ReturnType<typeof reject> {
  const parsed = parseJson(body);
  if (!isRecord(parsed)) return reject(400, "body is not a JSON object");
  if (typeof parsed.data !== "string" || parsed.data === "") return reject(400, "body has no data string");
  return parsed.data;
}
