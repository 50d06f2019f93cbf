import type { InboundRequest } from "../../src/providers/types";
import { TEST_BINDINGS } from "./bindings";

export const YUNHUNI_TOKEN = TEST_BINDINGS.YUNHUNI_TOKEN;
export const CONFERENCE_ID = "8a2a6a4e6b2c4f1e9d3c7b5a1f0e2d3c";
export const CALL_ID = "40a1b2c3d4e5f60718293a4b5c6d7e8f";

/** One notification per event Yunhuni documents, with the sender's `action`. */
export const YUNHUNI_SAMPLES = {
  "conf.create.succ": { begin_time: 1_763_726_400_000, user_data: "工单-2026-001" },
  "conf.end": { begin_time: 1_763_726_400_000, end_time: 1_763_730_000_000, error: null, user_data: null },
  "conf.joined": { join_time: 1_763_726_460_000, call_id: CALL_ID, part_uri: "13800000000", user_data: null },
  "conf.quit": {
    join_time: 1_763_726_460_000,
    quit_time: 1_763_728_260_000,
    call_id: CALL_ID,
    part_uri: "13800000000",
    user_data: null,
  },
  "conf.play_end": { begin_time: 1_763_726_500_000, end_time: 1_763_726_530_000, user_data: null },
  "conf.record_end": { begin_time: 1_763_726_400_000, end_time: 1_763_730_000_000, user_data: "录音" },
} as const;

export function yunhuniNotification(event: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const sample = (YUNHUNI_SAMPLES as Record<string, Record<string, unknown>>)[event] ?? {};
  return { action: "event_notify", event, id: CONFERENCE_ID, ...sample, ...fields };
}

export interface YunhuniRequestOptions {
  /** `null` leaves the token out of the URL. */
  token?: string | null;
  /** Sent as CF-Connecting-IP. */
  clientIp?: string;
  /** The body as text; default JSON of the notification. */
  body?: string;
  path?: string;
}

function query(options: YunhuniRequestOptions): string {
  const token = options.token === undefined ? YUNHUNI_TOKEN : options.token;
  return token === null ? "" : `token=${encodeURIComponent(token)}`;
}

/** A notification to the notify URL with the right token; change one option per test. */
export function yunhuniRequest(notification: unknown, options: YunhuniRequestOptions = {}): Request {
  const search = query(options);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.clientIp !== undefined) headers["cf-connecting-ip"] = options.clientIp;
  return new Request(`http://relay.test${options.path ?? "/webhooks/yunhuni"}${search ? `?${search}` : ""}`, {
    method: "POST",
    headers,
    body: options.body ?? JSON.stringify(notification),
  });
}

/** The same request as the adapter sees it, for unit tests. */
export function yunhuniInbound(
  notification: unknown,
  options: YunhuniRequestOptions & { rawQuery?: string } = {},
): InboundRequest {
  return {
    method: "POST",
    rawQuery: options.rawQuery ?? query(options),
    headers: new Headers({ "content-type": "application/json" }),
    body: options.body ?? JSON.stringify(notification),
    clientIp: options.clientIp,
  };
}
