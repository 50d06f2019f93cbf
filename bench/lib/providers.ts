import { createHash, createHmac, randomUUID } from "node:crypto";
import { BENCH_CREDENTIALS as C } from "./credentials.ts";

/**
 * Correctly signed requests for every platform, built with node:crypto the way each
 * platform signs (PROVIDERS.md; the same schemes as test/support's builders). Each
 * request is distinct and carries a `marker` that reappears in the delivered event's
 * `data.raw`, so the e2e sink can tie a delivery back to its send time.
 */
export interface SignedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  marker: string;
}

export interface BenchProvider {
  name: string;
  build(marker: string, seq: number, nowMs: number): SignedRequest;
  /** The platform's exact success body. */
  isSuccess(body: string): boolean;
}

const sha1 = (text: string) => createHash("sha1").update(text, "utf8").digest("hex");
const md5 = (text: string) => createHash("md5").update(text, "utf8").digest("hex");
const JSON_HEADERS = { "content-type": "application/json" };
const seconds = (ms: number) => Math.floor(ms / 1000);

const tencentMeeting: BenchProvider = {
  name: "tencent-meeting",
  build(marker, seq, nowMs) {
    const callback = {
      event: "meeting.participant-joined",
      unique_sequence: marker,
      payload: [
        {
          operate_time: nowMs,
          operator: { userid: `bench-user-${seq % 97}`, user_name: "基准测试 用户" },
          meeting_info: {
            meeting_id: String(6058890385480921052n + BigInt(seq)),
            meeting_code: "530812452",
            subject: `bench ${marker}`,
            creator_id: "bench-host",
            hosts: ["bench-host"],
            meeting_type: 0,
            start_time: seconds(nowMs),
            end_time: seconds(nowMs) + 3600,
          },
        },
      ],
    };
    const data = Buffer.from(JSON.stringify(callback), "utf8").toString("base64").replace(/=+$/, "");
    const timestamp = String(seconds(nowMs));
    const nonce = String(100000 + (seq % 900000));
    const signature = sha1([C.TENCENT_MEETING_TOKEN, timestamp, nonce, data].sort().join(""));
    return {
      path: "/webhooks/tencent-meeting",
      headers: { ...JSON_HEADERS, timestamp, nonce, signature },
      body: JSON.stringify({ data }),
      marker,
    };
  },
  isSuccess: (body) => body === "successfully received callback",
};

const huaweiMeeting: BenchProvider = {
  name: "huawei-meeting",
  build(marker, seq, nowMs) {
    const eventInfo = JSON.stringify({
      event: "meeting.join",
      timestamp: nowMs,
      payload: {
        meetingInfo: { meetingID: String(980000000 + seq), meetingUUID: marker, meetingCycleSubID: "" },
        attendeeInfo: {
          userUUID: `bench-user-${seq % 97}`,
          displayName: "基准测试 用户",
          joinTime: nowMs,
          role: 0,
          callNumber: "+8613800000000",
        },
      },
    });
    const timestamp = String(nowMs);
    const nonce = randomUUID();
    const signature = createHmac("sha256", C.HUAWEI_MEETING_APP_KEY)
      .update(`${C.HUAWEI_MEETING_APP_ID}${timestamp}${nonce}${eventInfo}`, "utf8")
      .digest("hex");
    const body = `{"appID":${JSON.stringify(C.HUAWEI_MEETING_APP_ID)},"timestamp":${timestamp},"nonce":"${nonce}","signature":"${signature}","eventInfo":${eventInfo}}`;
    return { path: "/webhooks/huawei-meeting", headers: JSON_HEADERS, body, marker };
  },
  isSuccess: (body) => /^\{"event":"meeting\.join","nonce":"[0-9a-f-]{36}"\}$/.test(body),
};

const yunhuni: BenchProvider = {
  name: "yunhuni",
  build(marker, seq, nowMs) {
    const body = JSON.stringify({
      action: "event_notify",
      event: "conf.joined",
      id: createHash("md5")
        .update(`conf-${Math.floor(seq / 8)}`)
        .digest("hex"),
      join_time: nowMs,
      call_id: marker,
      part_uri: `+86138${String(seq).padStart(8, "0")}`,
      user_data: null,
    });
    return {
      path: `/webhooks/yunhuni?token=${encodeURIComponent(C.YUNHUNI_TOKEN)}`,
      headers: JSON_HEADERS,
      body,
      marker,
    };
  },
  isSuccess: (body) => body === '{"ok":true}',
};

const tencentWhiteboard: BenchProvider = {
  name: "tencent-whiteboard",
  build(marker, seq, nowMs) {
    const expireTime = seconds(nowMs) + 3600;
    const body = JSON.stringify({
      Timestamp: seconds(nowMs),
      SdkAppId: 1400000001,
      ExpireTime: expireTime,
      Sign: md5(`${C.TIW_CALLBACK_KEY}${expireTime}`),
      EventType: "TranscodeProgressChanged",
      EventData: { TaskId: marker, Progress: seq % 100, Resolution: "1280x720", Title: "bench.pptx", Pages: 12 },
    });
    return { path: "/webhooks/tencent-whiteboard", headers: JSON_HEADERS, body, marker };
  },
  isSuccess: (body) => body === '{"error_code":0}',
};

/** Every platform the benchmark can sign for, in the order rounds visit them. */
export const BENCH_PROVIDERS: readonly BenchProvider[] = [tencentMeeting, huaweiMeeting, yunhuni, tencentWhiteboard];

/** Markers look like `bench-<run>-<n>`; the sink finds them in delivered bodies. */
export const MARKER_PATTERN = /bench-[0-9a-z]+-\d+/;
