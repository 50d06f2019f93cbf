import { createHmac, timingSafeEqual } from "node:crypto";
import { type Agent, request as httpRequest } from "node:http";
import type { SinkRequest } from "../../tools/harness/sink.ts";
import type { SignedCallback } from "./providers.ts";

/** One POST over a keep-alive agent (cheaper than fetch on this 2-core machine, where the sender competes). */
export function post(agent: Agent, base: string, callback: SignedCallback): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const headers = { ...callback.headers, "content-length": String(Buffer.byteLength(callback.body)) };
    const request = httpRequest(`${base}${callback.path}`, { method: callback.method, agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    request.on("error", (error) => resolve({ status: 0, body: error.message }));
    request.setTimeout(15_000, () => request.destroy(new Error("no answer within 15 s")));
    request.end(callback.body);
  });
}

/** Standard Webhooks: `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`, key = base64 after `whsec_`. */
export function signedWith(secret: string, request: SinkRequest): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const { headers, body } = request;
  const expected = createHmac("sha256", key)
    .update(`${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`)
    .digest();
  return (headers["webhook-signature"] ?? "").split(" ").some((part) => {
    const given = Buffer.from(part.replace(/^v1,/, ""), "base64");
    return part.startsWith("v1,") && given.length === expected.length && timingSafeEqual(given, expected);
  });
}
