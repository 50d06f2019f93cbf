/**
 * Correctly signed callbacks of all four platforms, built in Node with node:crypto:
 * an implementation of each provider's scheme independent of the relay's own,
 * used by `npm run demo`, the load test and the benchmark.
 */
import { createHash, createHmac, randomUUID } from "node:crypto";
import { PROVIDER_NAMES, type ProviderName } from "../../src/core/cloud-event.ts";

/** The relay's own list of platforms; `distinctCallback` must sign for each (the compiler checks its switch). */
export type Provider = ProviderName;
export { PROVIDER_NAMES };

export interface PlatformCredentials {
  tencentToken: string;
  huaweiAppId: string;
  huaweiAppKey: string;
  yunhuniToken: string;
  whiteboardKey: string;
}

/** The fake values of `.dev.vars.example`, which `npm run dev` and the demo use. */
export const DEMO_CREDENTIALS: PlatformCredentials = {
  tencentToken: "demoTencentToken000000001",
  huaweiAppId: "demo-huawei-subscriber",
  huaweiAppKey: "demo-huawei-subscriber-key",
  yunhuniToken: "demo-yunhuni-token",
  whiteboardKey: "demoWhiteboardKey",
};

/** The same credentials as `.dev.vars` lines / `--var` pairs for a relay under test. */
export function credentialVars(credentials: PlatformCredentials): Record<string, string> {
  return {
    TENCENT_MEETING_TOKEN: credentials.tencentToken,
    HUAWEI_MEETING_APP_ID: credentials.huaweiAppId,
    HUAWEI_MEETING_APP_KEY: credentials.huaweiAppKey,
    YUNHUNI_TOKEN: credentials.yunhuniToken,
    TIW_CALLBACK_KEY: credentials.whiteboardKey,
  };
}

/** A provider payload: its event name plus whatever fields that event carries. */
export type Fields = { event: string; [field: string]: unknown };

export interface SignedCallback {
  provider: Provider;
  /** A short human description, e.g. "Tencent Meeting meeting.created". */
  label: string;
  /** Path and query, e.g. `/webhooks/yunhuni?token=…`. */
  path: string;
  method: "POST";
  headers: Record<string, string>;
  body: string;
  /** The exact answer the platform requires. */
  expect: { status: number; body: string };
  /** How many events the relay makes of it. */
  events: number;
}

const sha1 = (text: string) => createHash("sha1").update(text, "utf8").digest("hex");
const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");

/** Tencent Meeting: `{"data": base64(JSON)}`, SHA-1 over the byte-sorted token, timestamp, nonce and data. */
export function tencentMeetingCallback(
  credentials: PlatformCredentials,
  callback: { event: string; payload: unknown[]; [field: string]: unknown },
  now = Date.now(),
): SignedCallback {
  const data = Buffer.from(JSON.stringify(callback), "utf8").toString("base64");
  const timestamp = String(Math.floor(now / 1000));
  const nonce = randomUUID().slice(0, 8);
  const signature = sha1([credentials.tencentToken, timestamp, nonce, data].sort().join(""));
  return {
    provider: "tencent-meeting",
    label: `Tencent Meeting ${callback.event}`,
    path: "/webhooks/tencent-meeting",
    method: "POST",
    headers: { "content-type": "application/json", timestamp, nonce, signature },
    body: JSON.stringify({ data }),
    expect: { status: 200, body: "successfully received callback" },
    events: callback.payload.length,
  };
}

/** Huawei Cloud Meeting: HMAC-SHA256 over appID + timestamp + nonce + the exact eventInfo text. */
export function huaweiMeetingCallback(
  credentials: PlatformCredentials,
  eventInfo: Fields,
  now = Date.now(),
): SignedCallback {
  // Pretty-printed on purpose: the relay must verify the bytes as sent, not a re-serialization.
  const eventInfoText = JSON.stringify(eventInfo, null, 1);
  const nonce = randomUUID().replace(/-/g, "");
  const signature = createHmac("sha256", credentials.huaweiAppKey)
    .update(`${credentials.huaweiAppId}${now}${nonce}${eventInfoText}`, "utf8")
    .digest("hex");
  const body = `{"appID":${JSON.stringify(credentials.huaweiAppId)},"timestamp":${now},"nonce":"${nonce}","signature":"${signature}","eventInfo":${eventInfoText}}`;
  return {
    provider: "huawei-meeting",
    label: `Huawei Cloud Meeting ${eventInfo.event}`,
    path: "/webhooks/huawei-meeting",
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    expect: { status: 200, body: JSON.stringify({ event: eventInfo.event, nonce }) },
    events: eventInfo.event === "meeting.verify" ? 0 : 1,
  };
}

/** Yunhuni: unsigned; the relay's token rides in the notify URL. */
export function yunhuniCallback(credentials: PlatformCredentials, notification: Fields): SignedCallback {
  return {
    provider: "yunhuni",
    label: `Yunhuni ${notification.event}`,
    path: `/webhooks/yunhuni?token=${encodeURIComponent(credentials.yunhuniToken)}`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ action: "event_notify", ...notification }),
    expect: { status: 200, body: '{"ok":true}' },
    events: 1,
  };
}

/** Tencent Whiteboard: Sign = md5(CallbackKey + ExpireTime); the body itself is not signed. */
export function whiteboardCallback(
  credentials: PlatformCredentials,
  eventType: string,
  eventData: Record<string, unknown>,
  now = Date.now(),
): SignedCallback {
  const expireTime = Math.floor(now / 1000) + 300;
  return {
    provider: "tencent-whiteboard",
    label: `Tencent Whiteboard ${eventType}`,
    path: "/webhooks/tencent-whiteboard",
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      EventData: eventData,
      EventType: eventType,
      ExpireTime: expireTime,
      SdkAppId: 1400000001,
      Sign: md5(`${credentials.whiteboardKey}${expireTime}`),
      Timestamp: Math.floor(now / 1000),
    }),
    expect: { status: 200, body: '{"error_code":0}' },
    events: 1,
  };
}

/** The meeting of the Huawei samples, as Huawei's event push documents `meetingInfo`. */
const HUAWEI_MEETING_INFO = {
  meetingID: "989156085",
  meetingUUID: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
  meetingCycleSubID: "",
};

/**
 * The platforms' own documented examples, one or two per platform, as
 * `npm run demo` sends them. Each becomes exactly one event.
 */
export function documentedSamples(credentials: PlatformCredentials, now = Date.now()): SignedCallback[] {
  const beijing = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
  const conference = "6f1d3e5a9b7c4d2e8f0a1b2c3d4e5f60";
  return [
    tencentMeetingCallback(
      credentials,
      {
        event: "meeting.created",
        unique_sequence: randomUUID(),
        payload: [
          {
            operate_time: beijing(now),
            operator: { userid: "tester00006ba5bab339858c13c930cca95684" },
            meeting_info: {
              meeting_id: "6058890385480921052",
              meeting_code: "530812452",
              subject: "media tester meeting",
              creator_id: "tester00006ba5bab339858c13c930cca95684",
              hosts: ["tester00006ba5bab339858c13c930cca95684"],
              meeting_type: 0,
              start_time: beijing(now + 60_000),
              end_time: beijing(now + 1_260_000),
            },
          },
        ],
      },
      now,
    ),
    tencentMeetingCallback(
      credentials,
      {
        event: "meeting.participant-joined",
        unique_sequence: randomUUID(),
        payload: [
          {
            operate_time: now,
            operator: { userid: "u-zhangsan", user_name: "张三" },
            meeting_info: { meeting_id: "6058890385480921052", meeting_code: "530812452", subject: "周会：产品评审" },
          },
        ],
      },
      now,
    ),
    huaweiMeetingCallback(
      credentials,
      {
        event: "meeting.started",
        timestamp: now,
        payload: {
          meetingInfo: HUAWEI_MEETING_INFO,
        },
      },
      now,
    ),
    huaweiMeetingCallback(
      credentials,
      {
        event: "meeting.join",
        timestamp: now,
        payload: {
          meetingInfo: HUAWEI_MEETING_INFO,
          attendeeInfo: {
            userUUID: "ff80808167ef1edf0167f339533d05a6",
            displayName: "李四",
            participantID: "1000000042",
            joinTime: now,
            role: 0,
          },
        },
      },
      now,
    ),
    yunhuniCallback(credentials, { event: "conf.create.succ", id: conference, begin_time: now, user_data: null }),
    yunhuniCallback(credentials, {
      event: "conf.joined",
      id: conference,
      join_time: now,
      call_id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
      part_uri: "13800000000",
      user_data: "demo",
    }),
    whiteboardCallback(
      credentials,
      "PPT2H5ProgressChanged",
      {
        ResultUrl: "",
        Pages: 21,
        Progress: 10,
        Resolution: "960x540",
        TaskId: "gaqvbm16jr2q4uhm23rb",
        Title: "示例.pptx",
      },
      now,
    ),
    whiteboardCallback(
      credentials,
      "TranscodeFinished",
      {
        ResultUrl: "https://example.com/h5/index.html",
        Pages: 21,
        Progress: 100,
        Resolution: "960x540",
        TaskId: "gaqvbm16jr2q4uhm23rb",
        Title: "示例.pptx",
      },
      now,
    ),
  ];
}

/**
 * The n-th distinct callback of a provider: every n gives a different event
 * (a different dedup identity), so load tests can count exactly.
 */
export function distinctCallback(
  credentials: PlatformCredentials,
  provider: Provider,
  n: number,
  now = Date.now(),
): SignedCallback {
  const tag = `${n}`.padStart(8, "0");
  switch (provider) {
    case "tencent-meeting":
      return tencentMeetingCallback(
        credentials,
        {
          event: "meeting.participant-joined",
          unique_sequence: `load-${tag}-${randomUUID()}`,
          payload: [
            {
              operate_time: now,
              operator: { userid: `u${tag}`, user_name: `参会者${n}` },
              meeting_info: { meeting_id: `m${tag}` },
            },
          ],
        },
        now,
      );
    case "huawei-meeting":
      return huaweiMeetingCallback(
        credentials,
        {
          event: "meeting.join",
          timestamp: now,
          payload: {
            meetingInfo: { meetingID: `m${tag}` },
            attendeeInfo: { userUUID: `u${tag}`, displayName: `与会者${n}`, joinTime: now },
          },
        },
        now,
      );
    case "yunhuni":
      return yunhuniCallback(credentials, {
        event: "conf.joined",
        id: `c${tag}`,
        join_time: now,
        call_id: `call${tag}`,
        part_uri: "13800000000",
        user_data: null,
      });
    case "tencent-whiteboard":
      return whiteboardCallback(
        credentials,
        "TranscodeProgressChanged",
        { TaskId: `t${tag}`, Progress: n % 100, Title: "课件.pptx" },
        now,
      );
  }
}

/** Sends one callback to a relay; resolves with the status and body it answered. */
export async function sendCallback(
  baseUrl: string,
  callback: SignedCallback,
): Promise<{ status: number; body: string }> {
  const response = await fetch(new URL(callback.path, baseUrl), {
    method: callback.method,
    headers: callback.headers,
    body: callback.body,
  });
  return { status: response.status, body: await response.text() };
}
