import { huaweiSignature } from "../../src/providers/huawei-meeting/verify";
import type { InboundRequest } from "../../src/providers/types";
import { TEST_BINDINGS } from "./bindings";

export const HUAWEI_APP_ID = TEST_BINDINGS.HUAWEI_MEETING_APP_ID;
export const HUAWEI_APP_KEY = TEST_BINDINGS.HUAWEI_MEETING_APP_KEY;
export const HUAWEI_NONCE = "b8f3c1d2e4a5f6079a1b2c3d4e5f6071";

/** An `eventInfo` as Huawei documents it: `{event, timestamp, payload: {meetingInfo, attendeeInfo?}}`. */
export function huaweiEventInfo(event: string, extra: { attendeeInfo?: unknown; timestamp?: number } = {}) {
  return {
    event,
    timestamp: extra.timestamp ?? 1_763_726_400_000,
    payload: {
      meetingInfo: {
        meetingID: "989156085",
        meetingUUID: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        meetingCycleSubID: "",
      },
      ...(extra.attendeeInfo === undefined ? {} : { attendeeInfo: extra.attendeeInfo }),
    },
  };
}

/** An attendee with a Chinese display name, joined and (optionally) left. */
export const HUAWEI_ATTENDEE = {
  userUUID: "ff80808167ef1edf0167f339533d05a6",
  userAgent: "WeLink-desktop",
  account: "zhangsan@example.com",
  participantID: "1000000042",
  displayName: "张三（研发部）",
  joinTime: 1_763_726_460_000,
  leftTime: 1_763_728_260_000,
  role: 1,
  callNumber: "+8613800000000",
};

export interface HuaweiRequestOptions {
  appId?: string;
  appKey?: string;
  /** Milliseconds; default now. */
  timestamp?: number | string;
  nonce?: string;
  /** Overrides the computed signature. */
  signature?: string;
  /** The `eventInfo` text exactly as put into the body; default compact JSON. */
  eventInfoText?: string;
  /** The text the signature is computed over; default the body's `eventInfo` text. */
  signedText?: string;
  /** Top-level fields to leave out, e.g. ["nonce"]. */
  omit?: string[];
  path?: string;
  now?: number;
}

/** A correctly signed body, assembled as text so `eventInfo` appears byte for byte as given. */
export async function huaweiBody(eventInfo: unknown, options: HuaweiRequestOptions = {}): Promise<string> {
  const appId = options.appId ?? HUAWEI_APP_ID;
  const timestamp = options.timestamp ?? options.now ?? Date.now();
  const nonce = options.nonce ?? HUAWEI_NONCE;
  const text = options.eventInfoText ?? JSON.stringify(eventInfo);
  const signature =
    options.signature ??
    (await huaweiSignature(
      options.appKey ?? HUAWEI_APP_KEY,
      appId,
      String(timestamp),
      nonce,
      options.signedText ?? text,
    ));
  const members: [string, string][] = [
    ["appID", JSON.stringify(appId)],
    ["timestamp", JSON.stringify(timestamp)],
    ["nonce", JSON.stringify(nonce)],
    ["signature", JSON.stringify(signature)],
    ["eventInfo", text],
  ];
  const kept = members.filter(([name]) => !(options.omit ?? []).includes(name));
  return `{${kept.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(",")}}`;
}

export async function huaweiRequest(eventInfo: unknown, options: HuaweiRequestOptions = {}): Promise<Request> {
  return new Request(`http://relay.test${options.path ?? "/webhooks/huawei-meeting"}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: await huaweiBody(eventInfo, options),
  });
}

/** The same request as the adapter sees it, for unit tests. */
export async function huaweiInbound(eventInfo: unknown, options: HuaweiRequestOptions = {}): Promise<InboundRequest> {
  return huaweiInboundOf(await huaweiBody(eventInfo, options));
}

export function huaweiInboundOf(body: string): InboundRequest {
  return {
    method: "POST",
    rawQuery: "",
    headers: new Headers({ "content-type": "application/json" }),
    body,
    clientIp: "203.0.113.10",
  };
}
