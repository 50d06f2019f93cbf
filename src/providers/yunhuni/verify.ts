import { equalSecret } from "../../lib/crypto";
import { isRecord, jsonValue } from "../../lib/json";
import { percentDecoded, rawQueryValue } from "../../lib/raw-query";
import { matchingCredential } from "../candidates";
import { inexactIntegers } from "../inexact-integers";
import { type Candidate, type InboundRequest, reject, type Verification } from "../types";
import { type AllowList, isAllowed } from "./allow-list";

export interface YunhuniCredentials {
  /** The token, and the previous one while it is being rotated. */
  tokens: readonly Candidate[];
  /** `undefined`: no IP restriction. */
  allowList: AllowList | undefined;
}

/** The time fields Yunhuni events carry (Unix milliseconds; `null` when a conference failed to start). */
export const YUNHUNI_TIME_FIELDS = ["begin_time", "end_time", "join_time", "quit_time"] as const;

export interface YunhuniNotification {
  event: string;
  /** The conference id (UUID hex). */
  id: string;
  [field: string]: unknown;
}

/** A notification whose token matched. */
export interface YunhuniVerified {
  notification: YunhuniNotification;
  /**
   * The body's integers past 2^53 as sent (present only when there are any): parsing rounds them, so a
   * `call_id` sent as such a number would give two participants' events one id.
   */
  inexactIntegers?: string[];
}

/**
 * Yunhuni signs nothing (docs/platforms.md): the operator puts a secret `token` into the
 * notify URL, compared in constant time, then optionally an IP allow-list.
 */
export async function verifyYunhuni(
  request: InboundRequest,
  { tokens, allowList }: YunhuniCredentials,
): Promise<Verification<YunhuniVerified>> {
  // The token first: a 403 for an address outside an account's own allow-list would tell a prober
  // that the account exists (an account without credentials answers like a wrong token, 401).
  // A literal `+` of a token stays `+`; a value that is not valid percent-encoding is compared as sent.
  const raw = rawQueryValue(request.rawQuery, "token", "empty");
  const given = raw === undefined ? undefined : (percentDecoded(raw) ?? raw);
  if (given === undefined || given === "") return reject(401, "missing token query parameter");
  const credential = await matchingCredential(tokens, (token) => equalSecret(given, token));
  if (credential === undefined) return reject(401, "token mismatch");
  if (allowList !== undefined && !isAllowed(allowList, request.clientIp)) {
    const { source, unreadable } = allowList;
    const note = unreadable > 0 ? ` (${source} has ${unreadable} unreadable entries)` : "";
    return reject(403, `client IP is not in ${source}${note}`);
  }

  const body = jsonValue(request.body);
  if (!isRecord(body)) return reject(400, "body is not a JSON object");
  if (typeof body.event !== "string" || body.event === "") return reject(400, "body has no event string");
  if (typeof body.id !== "string" || body.id === "") return reject(400, "body has no conference id string");
  // Past the token, only what every notification carries is required: an odd call_id or time
  // (a number where a string was expected, a time no clock can hold) is left out of the event, never refused.
  const value: YunhuniVerified = { notification: body as YunhuniNotification };
  const inexact = inexactIntegers(request.body);
  if (inexact.length > 0) value.inexactIntegers = inexact;
  return { ok: true, value, credential };
}
