import { SettingsError } from "../../errors";
import type { Candidate, CredentialLookup } from "../types";

export const TOKEN = "TENCENT_MEETING_TOKEN";
export const ENCODING_AES_KEY = "TENCENT_MEETING_ENCODING_AES_KEY";

/** Tencent's EncodingAESKey is 43 characters of [A-Za-z0-9]: base64 of 32 bytes without the "=". */
const ENCODING_AES_KEY_FORM = /^[A-Za-z0-9]{43}$/;

export interface TencentMeetingEncryption {
  encodingAesKey: string;
  /** The secret's full name (with the account suffix), for messages that tell the operator what to fix. */
  secretName: string;
}

export interface TencentMeetingCredentials {
  /** The token, and the previous one while it is being rotated. */
  tokens: readonly Candidate[];
  /** Set when the subscription has an EncodingAESKey: `check_str` and `data` then arrive encrypted. */
  encryption?: TencentMeetingEncryption;
}

/** A malformed EncodingAESKey is the operator's to fix: thrown, answered 503 naming the secret. */
export function tencentMeetingCredentials(lookup: CredentialLookup): TencentMeetingCredentials {
  const tokens = lookup.candidates(TOKEN);
  const encodingAesKey = lookup.value(ENCODING_AES_KEY);
  if (encodingAesKey === undefined) return { tokens };
  const secretName = lookup.name(ENCODING_AES_KEY);
  if (!ENCODING_AES_KEY_FORM.test(encodingAesKey)) {
    throw new SettingsError(`${secretName} must be the 43 letters and digits of the subscription's EncodingAESKey`);
  }
  return { tokens, encryption: { encodingAesKey, secretName } };
}
