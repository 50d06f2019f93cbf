import { encodeUtf8, toHex } from "./bytes";

type DigestAlgorithm = "MD5" | "SHA-1" | "SHA-256";

async function digestHex(algorithm: DigestAlgorithm, bytes: Uint8Array): Promise<string> {
  return toHex(await crypto.subtle.digest(algorithm, bytes));
}

/** A UTF-16 code unit with no partner: UTF-8 cannot write it (the encoder puts U+FFFD in its place). */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * The bytes an identity hash reads: the UTF-8 of any well-formed text; for text holding a lone
 * surrogate, a 0xFF byte (which never starts valid UTF-8) and then every UTF-16 code unit (big-endian), so two
 * such texts never hash alike, nor like any well-formed one.
 */
function identityBytes(text: string): Uint8Array {
  if (!LONE_SURROGATE.test(text)) return encodeUtf8(text);
  const bytes = new Uint8Array(1 + 2 * text.length);
  bytes[0] = 0xff;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    bytes[1 + 2 * i] = unit >> 8;
    bytes[2 + 2 * i] = unit & 0xff;
  }
  return bytes;
}

/** Signatures: the platform hashes UTF-8, so these do too. */
export const md5Hex = (text: string) => digestHex("MD5", encodeUtf8(text));
export const sha1Hex = (text: string) => digestHex("SHA-1", encodeUtf8(text));
/**
 * Ids and keys: distinct texts never share a hash (a sequence sent with a lone surrogate, which UTF-8
 * would turn into U+FFFD, included); a well-formed text hashes as its UTF-8.
 */
export const sha256Hex = (text: string) => digestHex("SHA-256", identityBytes(text));

/** One imported HMAC key per secret, reused for the life of the isolate. */
const hmacKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: Uint8Array | string): Promise<CryptoKey> {
  const cacheKey = typeof secret === "string" ? `s:${secret}` : `b:${toHex(secret)}`;
  let key = hmacKeys.get(cacheKey);
  if (key === undefined) {
    const raw = typeof secret === "string" ? encodeUtf8(secret) : secret;
    key = crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    key.catch(() => hmacKeys.delete(cacheKey));
    hmacKeys.set(cacheKey, key);
  }
  return key;
}

export async function hmacSha256(secret: Uint8Array | string, message: string): Promise<ArrayBuffer> {
  return crypto.subtle.sign("HMAC", await hmacKey(secret), encodeUtf8(message));
}

export async function hmacSha256Hex(secret: Uint8Array | string, message: string): Promise<string> {
  return toHex(await hmacSha256(secret, message));
}

/** Constant-time equality of two strings of the same length (e.g. hex digests). */
export function equalSameLength(a: string, b: string): boolean {
  const left = encodeUtf8(a);
  const right = encodeUtf8(b);
  if (left.byteLength !== right.byteLength) return false;
  return crypto.subtle.timingSafeEqual(left, right);
}

const sha256 = (text: string) => crypto.subtle.digest("SHA-256", encodeUtf8(text));

/** The SHA-256 of each configured secret, kept for the isolate's life (configured secrets are few). */
const knownDigests = new Map<string, Promise<ArrayBuffer>>();

/**
 * Constant-time equality of a secret someone sent (`given`) and a configured one (`known`), of any
 * length: both sides are hashed first, so neither the content nor the length leaks through timing.
 * The configured side's hash is computed once per isolate; `given` is never kept.
 */
export async function equalSecret(given: string, known: string): Promise<boolean> {
  let knownDigest = knownDigests.get(known);
  if (knownDigest === undefined) {
    knownDigest = sha256(known);
    knownDigests.set(known, knownDigest);
  }
  const [left, right] = await Promise.all([sha256(given), knownDigest]);
  return crypto.subtle.timingSafeEqual(left, right);
}
