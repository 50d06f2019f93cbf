import { equalSameLength, md5Hex } from "../../lib/crypto";
import { isRecord, jsonValue } from "../../lib/json";
import { matchingCredential } from "../candidates";
import { inexactIntegers } from "../inexact-integers";
import { type Candidate, type Clock, type InboundRequest, reject, type Verification } from "../types";

export interface TencentWhiteboardCredentials {
  /** The callback key, and the previous one while it is being rotated. */
  callbackKeys: readonly Candidate[];
}

interface TencentWhiteboardCallback {
  /** When it happened (Unix seconds); any other shape, or none, leaves the event timed at receipt. */
  Timestamp?: unknown;
  SdkAppId: number | string;
  ExpireTime: number | string;
  Sign: string;
  EventType: string;
  EventData: Record<string, unknown>;
  [field: string]: unknown;
}

export interface TencentWhiteboardVerified {
  callback: TencentWhiteboardCallback;
  /**
   * The body's integers past 2^53 as sent (present only when there are any): parsing rounds them, so
   * the parsed `EventData` or `Timestamp` alone would give callbacks that differ only there one id.
   */
  inexactIntegers?: string[];
}

const MD5_HEX = /^[0-9a-f]{32}$/i;
/** The furthest ahead an ExpireTime may lie. */
const MAX_EXPIRY_AHEAD_MS = 7 * 86_400_000;

/**
 * `Sign = md5(CallbackKey + ExpireTime)`, lower-case hex, ExpireTime in decimal
 * (Tencent's whiteboard callback docs, 事件回调鉴权: https://cloud.tencent.com/document/product/1137). It does not cover the body.
 */
export function whiteboardSignature(callbackKey: string, expireTime: string): Promise<string> {
  return md5Hex(`${callbackKey}${expireTime}`);
}

export async function verifyTencentWhiteboard(
  request: InboundRequest,
  { callbackKeys }: TencentWhiteboardCredentials,
  clock: Clock,
): Promise<Verification<TencentWhiteboardVerified>> {
  const body = jsonValue(request.body);
  if (!isRecord(body)) return reject(400, "body is not a JSON object");
  // Alarm callbacks (TaskQueuedAmountLimitWarning, …) come with neither: nothing here can verify them.
  if (body.Sign === undefined && body.ExpireTime === undefined) return reject(401, "unsigned: the body has no Sign");
  const expireTime = decimalInteger(body.ExpireTime);
  if (expireTime === undefined) return reject(400, "body has no ExpireTime in Unix seconds");
  if (typeof body.Sign !== "string" || body.Sign === "") return reject(400, "body has no Sign string");

  if (!MD5_HEX.test(body.Sign)) return reject(401, "Sign is not an MD5 hex digest");
  // The provider's replay protection: a callback past its ExpireTime is void.
  if (clock.now > Number(expireTime) * 1000) return reject(401, "ExpireTime has passed");
  // Until then one Sign authenticates any body, and dedup must remember the event that long: bounded.
  if (Number(expireTime) * 1000 > clock.now + MAX_EXPIRY_AHEAD_MS)
    return reject(401, "ExpireTime is more than 7 days ahead");
  const given = body.Sign.toLowerCase();
  const credential = await matchingCredential(callbackKeys, async (callbackKey) =>
    equalSameLength(await whiteboardSignature(callbackKey, expireTime), given),
  );
  if (credential === undefined) return reject(401, "Sign mismatch");

  if (typeof body.EventType !== "string" || body.EventType === "") return reject(400, "body has no EventType string");
  if (!isRecord(body.EventData)) return reject(400, "body has no EventData object");
  if (decimalInteger(body.SdkAppId) === undefined) return reject(400, "body has no SdkAppId");
  // An odd or missing Timestamp is no reason to lose a signed event: it is timed at receipt instead.
  const value: TencentWhiteboardVerified = { callback: body as TencentWhiteboardCallback };
  const inexact = inexactIntegers(request.body);
  if (inexact.length > 0) value.inexactIntegers = inexact;
  return { ok: true, value, credential };
}

/** A non-negative integer sent as a JSON number or a digit string, as decimal text. */
function decimalInteger(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  if (typeof value === "string") return /^\d{1,16}$/.test(value) ? value : undefined;
  return undefined;
}
