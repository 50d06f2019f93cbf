import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server } from "node:http";
import { MARKER_PATTERN } from "./providers.ts";

export interface Delivery {
  webhookId: string;
  marker: string | undefined;
  /** Receive time, ms on the same clock as the sender's send times. */
  at: number;
  signatureOk: boolean;
}

export interface Sink {
  url: string;
  deliveries: Delivery[];
  close(): Promise<void>;
}

export const now = () => performance.timeOrigin + performance.now();

/** A local node:http target on 127.0.0.1 that records every delivery and answers 204. */
export function startSink(secret: string): Promise<Sink> {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const deliveries: Delivery[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const at = now();
      const body = Buffer.concat(chunks).toString("utf8");
      const webhookId = String(request.headers["webhook-id"] ?? "");
      const timestamp = String(request.headers["webhook-timestamp"] ?? "");
      deliveries.push({
        webhookId,
        marker: MARKER_PATTERN.exec(body)?.[0],
        at,
        signatureOk: verifies(key, webhookId, timestamp, body, String(request.headers["webhook-signature"] ?? "")),
      });
      response.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}/hooks/meetings`,
        deliveries,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Standard Webhooks: `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`. */
function verifies(key: Buffer, id: string, timestamp: string, body: string, header: string): boolean {
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return header.split(" ").some((part) => {
    const given = Buffer.from(part.replace(/^v1,/, ""), "base64");
    return part.startsWith("v1,") && given.length === expected.length && timingSafeEqual(given, expected);
  });
}
