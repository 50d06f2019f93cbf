const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function encodeUtf8(text: string): Uint8Array {
  return utf8.encode(text);
}

/** Bytes to text; `null` when the bytes are not valid UTF-8 (never mojibake). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Forgiving base64 decode: standard or URL-safe alphabet, padding optional, ASCII
 * whitespace ignored (lines of 76 as a MIME encoder writes them, a trailing newline).
 * Returns `null` for anything that is not base64. `atob` alone would hand back
 * Latin-1 "binary strings", which turns Chinese meeting subjects into mojibake,
 * so callers decode the bytes with {@link decodeUtf8}. A signature is checked over
 * the text as sent, before it is decoded.
 */
export function decodeBase64(input: string): Uint8Array | null {
  let text = input
    .replace(/[\t\n\f\r ]/g, "")
    .replace(/-/g, "+")
    .replace(/_/g, "/");
  if (!BASE64.test(text)) return null;
  text = text.replace(/=+$/, "");
  if (text.length % 4 === 1) return null;
  text += "=".repeat((4 - (text.length % 4)) % 4);
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** base64 text to UTF-8 text; `null` if either step fails. */
export function decodeBase64Utf8(input: string): string | null {
  const bytes = decodeBase64(input);
  return bytes === null ? null : decodeUtf8(bytes);
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Each byte's two lower-case hex digits (every signature check and event id is hex-encoded once). */
const HEX_PAIRS = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

export function toHex(buffer: ArrayBuffer | Uint8Array): string {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  let hex = "";
  for (const byte of bytes) hex += HEX_PAIRS[byte] as string;
  return hex;
}
