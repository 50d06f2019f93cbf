/**
 * Tencent Meeting as it sends today, built in Node with node:crypto (independent of the relay):
 * `trace_id` callbacks and, with an EncodingAESKey, AES-256-CBC encrypted `data` and `check_str`
 * (https://cloud.tencent.com/document/product/1095/54658).
 */
import { createCipheriv, createHash, randomUUID } from "node:crypto";
import type { SignedCallback } from "./samples.ts";

/** An enterprise account whose subscription has an EncodingAESKey: `/webhooks/tencent-meeting/<account>`. */
export interface TencentAccount {
  account: string;
  token: string;
  /** 43 letters and digits, as the Tencent Meeting console generates it. */
  encodingAesKey: string;
}

/** The fake account of `.dev.vars.example` that `npm run demo` sends an encrypted callback to. */
export const DEMO_TENCENT_ACCOUNT: TencentAccount = {
  account: "acme",
  token: "demoTencentTokenAcme00001",
  encodingAesKey: "demoEncodingAesKeyAcme000000000000000000001",
};

/** The account's secrets: `TENCENT_MEETING_TOKEN_<ACCOUNT>` and `TENCENT_MEETING_ENCODING_AES_KEY_<ACCOUNT>`. */
export function tencentAccountVars({ account, token, encodingAesKey }: TencentAccount): Record<string, string> {
  const suffix = account.toUpperCase();
  return {
    [`TENCENT_MEETING_TOKEN_${suffix}`]: token,
    [`TENCENT_MEETING_ENCODING_AES_KEY_${suffix}`]: encodingAesKey,
  };
}

/** AESKey = base64-decode(EncodingAESKey + "="); AES-256-CBC, PKCS#7, IV = the key's first 16 bytes; base64. */
export function encryptTencentMeeting(plain: string, encodingAesKey: string): string {
  const key = Buffer.from(`${encodingAesKey}=`, "base64");
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  return Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]).toString("base64");
}

/** Tencent's headers for a signed value: SHA-1 over the byte-sorted token, timestamp, nonce and value. */
export function tencentHeaders(token: string, signed: string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const nonce = randomUUID().slice(0, 8);
  const signature = createHash("sha1").update([token, timestamp, nonce, signed].sort().join(""), "utf8").digest("hex");
  return { timestamp, nonce, signature };
}

/** An event callback to the account's route, its `data` encrypted with the account's EncodingAESKey. */
export function encryptedTencentCallback(
  account: TencentAccount,
  callback: { event: string; payload: unknown[]; [field: string]: unknown },
  now = Date.now(),
): SignedCallback {
  const data = encryptTencentMeeting(JSON.stringify(callback), account.encodingAesKey);
  return {
    provider: "tencent-meeting",
    label: `Tencent Meeting ${callback.event} (encrypted)`,
    path: `/webhooks/tencent-meeting/${account.account}`,
    method: "POST",
    headers: { "content-type": "application/json", ...tencentHeaders(account.token, data, now) },
    body: JSON.stringify({ data }),
    expect: { status: 200, body: "successfully received callback" },
    events: callback.payload.length,
  };
}

/** The URL verification Tencent sends (and repeats) to an account with an EncodingAESKey. */
export function encryptedTencentCheck(account: TencentAccount, plain: string, now = Date.now()) {
  const checkStr = encryptTencentMeeting(plain, account.encodingAesKey);
  return {
    path: `/webhooks/tencent-meeting/${account.account}?check_str=${encodeURIComponent(checkStr)}`,
    headers: tencentHeaders(account.token, checkStr, now),
  };
}

/** A participant joining, shaped as Tencent's event reference shows it today (trace_id, ms and s times). */
export function participantJoined(traceId: string, name: string, now = Date.now()) {
  return {
    event: "meeting.participant-joined",
    trace_id: traceId,
    payload: [
      {
        operate_time: now,
        operator: {
          userid: "",
          uuid: "WMfgHRYj6m36mcDGtK",
          user_name: name,
          ms_open_id: "WMfg36mcDGtK",
          instance_id: "2",
        },
        meeting_info: {
          meeting_id: "13339451618278424869",
          meeting_code: "445999969",
          subject: "周会：产品评审",
          creator: { userid: "tester-2", user_name: "tester-2_name" },
          start_time: Math.floor(now / 1000) - 60,
          end_time: Math.floor(now / 1000) + 3540,
        },
      },
    ],
  };
}
