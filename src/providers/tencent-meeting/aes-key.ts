import { SettingsError } from "../../core/errors";
import { PREVIOUS_SUFFIX } from "../candidates";
import type { Candidate, CredentialLookup, CredentialSlot } from "../types";

export const TOKEN = "TENCENT_MEETING_TOKEN";
export const ENCODING_AES_KEY = "TENCENT_MEETING_ENCODING_AES_KEY";

/** Tencent's EncodingAESKey is 43 characters of [A-Za-z0-9]: base64 of 32 bytes without the "=". */
const ENCODING_AES_KEY_FORM = /^[A-Za-z0-9]{43}$/;

interface TencentMeetingAesKey {
  slot: CredentialSlot;
  encodingAesKey: string;
  /** The secret's full name (account suffix, `_PREVIOUS`), for messages that tell the operator what to fix. */
  secretName: string;
}

export interface TencentMeetingEncryption {
  /**
   * The EncodingAESKey, then the previous one while it is being rotated: tried in this order.
   * The signature covers the ciphertext, so it cannot say which key encrypted it.
   */
  keys: readonly TencentMeetingAesKey[];
}

export interface TencentMeetingCredentials {
  /** The token, and the previous one while it is being rotated. */
  tokens: readonly Candidate[];
  /** Set when the subscription has an EncodingAESKey: `check_str` and `data` then arrive encrypted. */
  encryption?: TencentMeetingEncryption;
  /**
   * The EncodingAESKey secret's full name (`TENCENT_MEETING_ENCODING_AES_KEY`, `…_ACME` on an account route;
   * the base name when absent), to name when it is not set and a callback arrives encrypted.
   */
  encodingAesKeyName?: string;
}

/** A malformed EncodingAESKey (current or previous) is the operator's to fix: thrown, answered 503 naming the secret. */
export function tencentMeetingCredentials(lookup: CredentialLookup): TencentMeetingCredentials {
  const tokens = lookup.candidates(TOKEN);
  const candidates = lookup.candidates(ENCODING_AES_KEY);
  const name = lookup.name(ENCODING_AES_KEY);
  if (candidates.length === 0) return { tokens, encodingAesKeyName: name };
  const keys = candidates.map(({ slot, value }) => {
    const secretName = slot === "current" ? name : `${name}${PREVIOUS_SUFFIX}`;
    if (!ENCODING_AES_KEY_FORM.test(value)) {
      throw new SettingsError(`${secretName} must be the 43 letters and digits of the subscription's EncodingAESKey`);
    }
    return { slot, encodingAesKey: value, secretName };
  });
  return { tokens, encryption: { keys }, encodingAesKeyName: name };
}
