import { createHash } from "node:crypto";

/**
 * A correctly signed Tencent Meeting event callback, built in Node the way
 * Tencent builds it: `data` is base64 of the JSON, and `signature` is the SHA-1
 * hex of token, timestamp, nonce and data sorted byte-wise and joined.
 * https://cloud.tencent.com/document/product/1095/51608
 */
export interface TencentCallbackOptions {
  token: string;
  /** `unique_sequence`: the relay's event id is `tencent-meeting:<uniqueSequence>:<index>`. */
  uniqueSequence: string;
  event?: string;
  payload?: unknown[];
  /** Unix seconds; default now. */
  timestamp?: number;
  nonce?: string;
}

export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

export function tencentMeetingCallback(options: TencentCallbackOptions): SignedRequest {
  const callback = {
    event: options.event ?? "meeting.started",
    unique_sequence: options.uniqueSequence,
    payload: options.payload ?? [
      {
        operate_time: 1_763_719_200_000,
        operator: { userid: "e2e-operator" },
        meeting_info: { meeting_id: "6058890385480921052", meeting_code: "530812452", subject: "e2e meeting" },
      },
    ],
  };
  const data = Buffer.from(JSON.stringify(callback), "utf8").toString("base64");
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? String(Math.floor(Math.random() * 1e9));
  const signature = createHash("sha1").update([options.token, timestamp, nonce, data].sort().join("")).digest("hex");
  return {
    headers: { "content-type": "application/json", timestamp, nonce, signature },
    body: JSON.stringify({ data }),
  };
}

/** The relay's id for item `index` of a Tencent callback. */
export function tencentEventId(uniqueSequence: string, index = 0): string {
  return `tencent-meeting:${uniqueSequence}:${index}`;
}
