import { decodeBase64, decodeUtf8 } from "../../lib/bytes";

interface AesKey {
  key: CryptoKey;
  iv: Uint8Array;
}

/** One imported key per EncodingAESKey value, reused for the life of the isolate. */
const keys = new Map<string, Promise<AesKey>>();

/**
 * AESKey = base64-decode(EncodingAESKey + "="), 32 bytes; AES-256-CBC with PKCS#7 padding;
 * the IV is the key's first 16 bytes (https://cloud.tencent.com/document/product/1095/54658).
 * The caller has checked the EncodingAESKey's form (43 letters and digits).
 */
function aesKeyOf(encodingAesKey: string): Promise<AesKey> {
  let entry = keys.get(encodingAesKey);
  if (entry === undefined) {
    const raw = decodeBase64(`${encodingAesKey}=`) ?? new Uint8Array();
    entry = crypto.subtle
      .importKey("raw", raw, { name: "AES-CBC" }, false, ["decrypt"])
      .then((key) => ({ key, iv: raw.slice(0, 16) }));
    entry.catch(() => keys.delete(encodingAesKey));
    keys.set(encodingAesKey, entry);
  }
  return entry;
}

/**
 * The plain text of a value Tencent encrypted with the subscription's EncodingAESKey, or
 * `null` when it is not base64 ciphertext, does not decrypt (wrong key, bad padding) or is
 * not UTF-8. Never throws for bad input.
 */
export async function decryptTencent(ciphertextBase64: string, encodingAesKey: string): Promise<string | null> {
  const ciphertext = decodeBase64(ciphertextBase64);
  if (ciphertext === null || ciphertext.byteLength === 0 || ciphertext.byteLength % 16 !== 0) return null;
  const { key, iv } = await aesKeyOf(encodingAesKey);
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt({ name: "AES-CBC", iv }, key, ciphertext);
  } catch {
    return null;
  }
  return decodeUtf8(new Uint8Array(plain));
}
