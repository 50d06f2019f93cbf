import type { ProviderName } from "../core/cloud-event";
import { sha256Hex } from "../lib/crypto";

/** What may appear verbatim in an event id: short, and safe in a KV key and an HTTP header. */
const SAFE_ID_PART = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A provider value as part of an event id: kept when it is short and plain, else its SHA-256 hex.
 * An id becomes a KV key (512-byte limit) and the `webhook-id` header, so a sequence or trace id
 * the platform fills with spaces, line breaks, non-ASCII text or kilobytes must not reach either;
 * hashing keeps it stable across the platform's retries.
 */
async function safeIdPart(part: string): Promise<string> {
  return SAFE_ID_PART.test(part) ? part : sha256Hex(part);
}

/** `<provider>:<part>:<part>…`: the one place event ids are built, so every provider's are safe. */
export async function eventId(provider: ProviderName, ...parts: readonly (string | number)[]): Promise<string> {
  const safe = await Promise.all(parts.map((part) => safeIdPart(String(part))));
  return [provider, ...safe].join(":");
}
