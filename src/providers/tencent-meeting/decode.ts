import { decodeBase64Utf8 } from "../../lib/bytes";
import { isRecord, parseJson } from "../json";
import { type Checked, reject } from "../types";
import type { TencentMeetingEncryption } from "./credentials";
import { decryptTencent } from "./decrypt";

function undecryptable(field: string, { secretName }: TencentMeetingEncryption) {
  return reject(400, `${field} could not be decrypted with ${secretName} (it must equal the console's EncodingAESKey)`);
}

/**
 * The plain text of a verified `check_str`. With an EncodingAESKey it arrives encrypted; a
 * plain base64 one is still answered, so the relay's secret can be set before the console's
 * key and Tencent's repeated URL checks keep passing in between.
 */
export async function plainCheckStr(
  checkStr: string,
  encryption: TencentMeetingEncryption | undefined,
): Promise<Checked<string>> {
  const decrypted = encryption && (await decryptTencent(checkStr, encryption.encodingAesKey));
  const plain = decrypted ?? decodeBase64Utf8(checkStr);
  if (plain !== null) return { ok: true, value: plain };
  return encryption ? undecryptable("check_str", encryption) : reject(400, "check_str is not base64-encoded UTF-8");
}

/**
 * The decoded JSON of a verified `data`: decrypted JSON with an EncodingAESKey
 * (https://cloud.tencent.com/document/product/1095/54658), else base64 JSON. With the key set, a
 * `data` that is plain base64 JSON is accepted too: the signature already proved where it came from.
 */
export async function decodedData(
  data: string,
  encryption: TencentMeetingEncryption | undefined,
): Promise<Checked<unknown>> {
  const decrypted = encryption ? await decryptTencent(data, encryption.encodingAesKey) : null;
  const fromCipher = decrypted === null ? undefined : parseJson(decrypted);
  if (isRecord(fromCipher)) return { ok: true, value: fromCipher };

  const plain = decodeBase64Utf8(data);
  const fromBase64 = plain === null ? undefined : parseJson(plain);
  if (encryption && !isRecord(fromBase64)) {
    return decrypted === null ? undecryptable("data", encryption) : reject(400, "decrypted data is not a JSON object");
  }
  if (plain === null) return reject(400, "data is not base64-encoded UTF-8");
  return { ok: true, value: fromBase64 };
}
