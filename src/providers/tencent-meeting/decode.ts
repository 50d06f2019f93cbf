import { SettingsError } from "../../core/errors";
import { decodeBase64, decodeBase64Utf8, decodeUtf8 } from "../../lib/bytes";
import { isRecord, jsonValue } from "../../lib/json";
import { type Checked, type CredentialSlot, reject } from "../types";
import { ENCODING_AES_KEY, type TencentMeetingEncryption } from "./aes-key";
import { decryptTencent } from "./decrypt";

/** A decoded value, and the EncodingAESKey that decrypted it (none when it came as plain base64). */
interface Decoded<T> {
  value: T;
  key: CredentialSlot | undefined;
}

function undecryptable(field: string, { keys }: TencentMeetingEncryption) {
  const names = keys.map((key) => key.secretName).join(" or ");
  return reject(400, `${field} could not be decrypted with ${names} (it must equal the console's EncodingAESKey)`);
}

/**
 * Whether a signed value is base64 of AES blocks that are no UTF-8 text: what Tencent sends once the
 * subscription has an EncodingAESKey. Base64 JSON (always UTF-8) never is.
 */
function looksEncrypted(value: string): boolean {
  const bytes = decodeBase64(value);
  return bytes !== null && bytes.byteLength > 0 && bytes.byteLength % 16 === 0 && decodeUtf8(bytes) === null;
}

/**
 * A signed, encrypted value on a route without the EncodingAESKey: the operator's to fix (thrown, answered
 * 503 naming the secret), so Tencent retries the callback until the secret is set, instead of dropping it.
 */
function keyNotSet(field: string, keyName = ENCODING_AES_KEY): never {
  throw new SettingsError(
    `the signed ${field} is encrypted (its base64 is AES ciphertext, not UTF-8 text), and ${keyName} is not set: set it to the subscription's EncodingAESKey`,
  );
}

/**
 * Tries each EncodingAESKey in order (the current one, then the previous one while it is set);
 * the first whose plain text `accept` takes wins. Also says whether any key decrypted at all.
 */
async function decryptWithKeys<T>(
  ciphertext: string,
  encryption: TencentMeetingEncryption | undefined,
  accept: (plain: string) => T | undefined,
): Promise<{ found?: Decoded<T>; decrypted: boolean }> {
  let decrypted = false;
  for (const { slot, encodingAesKey } of encryption?.keys ?? []) {
    const plain = await decryptTencent(ciphertext, encodingAesKey);
    if (plain === null) continue;
    decrypted = true;
    const value = accept(plain);
    if (value !== undefined) return { found: { value, key: slot }, decrypted };
  }
  return { decrypted };
}

/**
 * The plain text of a verified `check_str`. With an EncodingAESKey it arrives encrypted; a
 * plain base64 one is still answered, so the relay's secret can be set before the console's
 * key and Tencent's repeated URL checks keep passing in between. A text that is a JSON object is
 * an event's `data`, never a URL check: Tencent signs both alike, so an event's headers and body
 * replayed as a URL check would otherwise have the relay answer the event decrypted.
 */
export async function plainCheckStr(
  checkStr: string,
  encryption: TencentMeetingEncryption | undefined,
  keyName?: string,
): Promise<Checked<Decoded<string>>> {
  const { found } = await decryptWithKeys(checkStr, encryption, (plain) => plain);
  const plain = found?.value ?? decodeBase64Utf8(checkStr);
  if (plain !== null && isRecord(jsonValue(plain))) return reject(401, "check_str is an event's data, not a URL check");
  if (found) return { ok: true, value: found };
  if (plain !== null) return { ok: true, value: { value: plain, key: undefined } };
  if (encryption) return undecryptable("check_str", encryption);
  return looksEncrypted(checkStr)
    ? keyNotSet("check_str", keyName)
    : reject(400, "check_str is not base64-encoded UTF-8");
}

/**
 * The decoded JSON of a verified `data`: decrypted JSON with an EncodingAESKey
 * (https://cloud.tencent.com/document/product/1095/54658), else base64 JSON. With the key set, a
 * `data` that is plain base64 JSON is accepted too: the signature already proved where it came from.
 */
export async function decodedData(
  data: string,
  encryption: TencentMeetingEncryption | undefined,
  keyName?: string,
): Promise<Checked<Decoded<unknown>>> {
  const { found, decrypted } = await decryptWithKeys(data, encryption, (plain) => {
    const parsed = jsonValue(plain);
    return isRecord(parsed) ? parsed : undefined;
  });
  if (found) return { ok: true, value: found };

  const plain = decodeBase64Utf8(data);
  const fromBase64 = plain === null ? undefined : jsonValue(plain);
  if (encryption && !isRecord(fromBase64)) {
    return decrypted ? reject(400, "decrypted data is not a JSON object") : undecryptable("data", encryption);
  }
  if (plain === null)
    return looksEncrypted(data) ? keyNotSet("data", keyName) : reject(400, "data is not base64-encoded UTF-8");
  return { ok: true, value: { value: fromBase64, key: undefined } };
}
