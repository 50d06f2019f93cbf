import { tencentSignature } from "../../src/providers/tencent-meeting/verify";
import type { Clock, InboundRequest } from "../../src/providers/types";
import { TENCENT_TOKEN } from "./tencent-meeting";

export const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
export const CLOCK: Clock = { now: NOW, replayWindowSeconds: 3600 };

/** A correctly signed request as the Tencent adapter sees it: `data` for a POST, `check_str` for a GET. */
export async function tencentInbound(data: string, method: "GET" | "POST" = "POST"): Promise<InboundRequest> {
  const timestamp = String(NOW / 1000);
  const nonce = "1735688459";
  const signature = await tencentSignature(TENCENT_TOKEN, timestamp, nonce, data);
  return {
    method,
    rawQuery: method === "GET" ? `check_str=${encodeURIComponent(data)}` : "",
    headers: new Headers({ timestamp, nonce, signature }),
    body: method === "GET" ? "" : JSON.stringify({ data }),
    clientIp: undefined,
  };
}
