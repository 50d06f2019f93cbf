import { sha256Hex } from "./crypto";

/** Hex digits of the SHA-256 that stand for the part cut off. */
const HASH_HEX = 16;

/**
 * `text` when it has at most `most` UTF-16 code units; else its first `kept`, then `…` and the first
 * 16 hex digits of the whole text's SHA-256, so two long texts that share their beginning stay apart
 * and the same text is always cut the same way.
 */
export async function cutText(text: string, most: number, kept: number): Promise<string> {
  if (text.length <= most) return text;
  // Never end on the first half of a surrogate pair (it would serialize as a lone `\ud8xx`).
  const high = text.charCodeAt(kept - 1);
  const head = text.slice(0, high >= 0xd800 && high <= 0xdbff ? kept - 1 : kept);
  return `${head}…${(await sha256Hex(text)).slice(0, HASH_HEX)}`;
}
