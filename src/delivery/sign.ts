import { decodeBase64, encodeBase64 } from "../lib/bytes";
import { hmacSha256 } from "../lib/crypto";

/**
 * Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 over `{id}.{timestamp}.{body}`,
 * keyed with the base64-decoded part of the `whsec_` secret. A target rotating its
 * secret lists several: each yields one signature, space-separated, and a receiver
 * accepts the request when any of them verifies.
 * https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
export async function signWebhook(
  secrets: string | readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Promise<string> {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  const signatures = await Promise.all(list.map((secret) => signOnce(secret, `${id}.${timestamp}.${body}`)));
  return signatures.join(" ");
}

async function signOnce(secret: string, content: string): Promise<string> {
  const key = decodeBase64(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret);
  if (key === null) throw new Error("target secret is not base64 after whsec_");
  return `v1,${encodeBase64(new Uint8Array(await hmacSha256(key, content)))}`;
}
