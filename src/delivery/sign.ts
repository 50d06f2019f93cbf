import { decodeBase64, encodeBase64 } from "../lib/bytes";
import { hmacSha256 } from "../lib/crypto";

/**
 * Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 over `{id}.{timestamp}.{body}`,
 * keyed with the base64-decoded part of the `whsec_` secret.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string): Promise<string> {
  const key = decodeBase64(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret);
  if (key === null) throw new Error("target secret is not base64 after whsec_");
  const mac = await hmacSha256(key, `${id}.${timestamp}.${body}`);
  return `v1,${encodeBase64(new Uint8Array(mac))}`;
}
