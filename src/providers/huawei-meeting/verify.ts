import { equalSameLength, hmacSha256Hex } from "../../lib/crypto";
import { isRecord, jsonValue } from "../../lib/json";
import { epochToMs } from "../../lib/time";
import { matchingCredential } from "../candidates";
import { isFresh } from "../freshness";
import { inexactIntegers } from "../inexact-integers";
import { type Candidate, type Clock, type InboundRequest, reject, type Verification } from "../types";
import { rawMemberText } from "./raw-member";

export interface HuaweiMeetingCredentials {
  appId: string;
  /** The var `appId` was read from (`HUAWEI_MEETING_APP_ID`, or `…_ACME` on an account route), for messages. */
  appIdName: string;
  /** The subscriber key, and the previous one while it is being rotated. */
  appKeys: readonly Candidate[];
}

export interface HuaweiMeetingVerified {
  appId: string;
  nonce: string;
  /** Envelope timestamp (ms): when Huawei sent the push. */
  sentAt: number;
  event: string;
  eventInfo: Record<string, unknown>;
  /**
   * `eventInfo` in its compact serialization (`JSON.stringify` of the parsed object), whichever form
   * was signed: the dedup identity hashes this, so re-serialized copies of one push share an id.
   */
  compactEventInfo: string;
  /**
   * Integers of `eventInfo` past 2^53 as sent (present only when there are any): parsing rounds them,
   * so the compact form alone would give pushes that differ only in those digits one id.
   */
  inexactIntegers?: string[];
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * Huawei's signature: lower-case hex HMAC-SHA256 keyed with the subscriber key over
 * `appID + timestamp + nonce + eventInfo` (Huawei's enterprise meeting event push; docs/platforms.md).
 */
export function huaweiSignature(appKey: string, appId: string, timestamp: string, nonce: string, eventInfo: string) {
  return hmacSha256Hex(appKey, `${appId}${timestamp}${nonce}${eventInfo}`);
}

export async function verifyHuaweiMeeting(
  request: InboundRequest,
  { appId, appIdName, appKeys }: HuaweiMeetingCredentials,
  clock: Clock,
): Promise<Verification<HuaweiMeetingVerified>> {
  const body = jsonValue(request.body);
  if (!isRecord(body)) return reject(400, "body is not a JSON object");
  const member = rawMemberText(request.body, "eventInfo");
  if (member === undefined || member.found === "none") return reject(400, "body has no eventInfo");
  if (member.found === "several") return reject(400, "body has more than one eventInfo");
  // The body holds exactly one eventInfo member, so its parsed value is the parse of the very text
  // that is verified: what is forwarded is what was signed, without parsing that text a second time.
  const { eventInfo } = body;
  if (!isRecord(eventInfo)) return reject(400, "eventInfo is not a JSON object");

  const { appID, nonce, signature } = body;
  const timestamp = timestampText(body.timestamp);
  if (typeof appID !== "string" || appID === "") return reject(400, "body has no appID string");
  if (timestamp === undefined) return reject(400, "body has no timestamp in milliseconds");
  if (typeof nonce !== "string" || nonce === "") return reject(400, "body has no nonce string");
  if (typeof signature !== "string" || signature === "") return reject(400, "body has no signature string");

  if (!SHA256_HEX.test(signature)) return reject(401, "signature is not a SHA-256 hex digest");
  const sentAt = epochToMs(Number(timestamp));
  if (!isFresh(sentAt, clock)) return reject(401, "timestamp is outside the replay window");

  const given = signature.toLowerCase();
  const signedWith = (text: string) =>
    matchingCredential(appKeys, async (appKey) =>
      equalSameLength(await huaweiSignature(appKey, appID, timestamp, nonce, text), given),
    );
  // The exact text first; the compact form as the one documented alternative.
  const compactEventInfo = JSON.stringify(eventInfo);
  let credential = await signedWith(member.text);
  if (credential === undefined && compactEventInfo !== member.text) credential = await signedWith(compactEventInfo);
  if (credential === undefined) return reject(401, "signature mismatch");
  // Checked after the signature: a forged push learns nothing about the subscriber ID, and a route with
  // no credentials at all (checked against throwaway ones) answers exactly as a configured one. A push
  // signed with this route's key over another appID is the operator's mismatch to fix, named here.
  if (appID !== appId) return reject(401, `appID does not match ${appIdName}`);

  if (typeof eventInfo.event !== "string" || eventInfo.event === "") return reject(400, "eventInfo has no event");
  const value: HuaweiMeetingVerified = {
    appId: appID,
    nonce,
    sentAt,
    event: eventInfo.event,
    eventInfo,
    compactEventInfo,
  };
  const inexact = inexactIntegers(member.text);
  if (inexact.length > 0) value.inexactIntegers = inexact;
  return { ok: true, value, credential };
}

/** The timestamp as signed: a JSON number or a digit string, positive. */
function timestampText(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value > 0 ? String(value) : undefined;
  if (typeof value === "string") return /^\d{1,16}$/.test(value) && Number(value) > 0 ? value : undefined;
  return undefined;
}
