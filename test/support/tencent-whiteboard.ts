import { whiteboardSignature } from "../../src/providers/tencent-whiteboard/verify";
import type { InboundRequest } from "../../src/providers/types";
import { TEST_BINDINGS } from "./bindings";

export const TIW_KEY = TEST_BINDINGS.TIW_CALLBACK_KEY;

/** Tencent's documented whiteboard example: key, ExpireTime and the Sign they give. */
export const SEED_KEY = "Xz4ZgayTr7rMgWQrH";
export const SEED_EXPIRE_TIME = 1588040109;
export const SEED_SIGN = "a2dabb362a9b811c0e26953a6276a41c";

/** Tencent's documented whiteboard callback, as sent. */
export const SEED_WHITEBOARD_CALLBACK = {
  EventData: {
    ResultUrl: "",
    Pages: 21,
    Progress: 10,
    Resolution: "960x540",
    TaskId: "gaqvbm16jr2q4uhm23rb",
    Title: "示例.pptx",
  },
  EventType: "PPT2H5ProgressChanged",
  ExpireTime: 1588040109,
  SdkAppId: 1400000001,
  Sign: "a2dabb362a9b811c0e26953a6276a41c",
  Timestamp: 1590045522,
};

/** A whiteboard callback body without the signing fields (filled in by the builder). */
export function whiteboardEvent(EventType: string, EventData: Record<string, unknown>, Timestamp = 1_763_726_400) {
  return { Timestamp, SdkAppId: 1400000001, EventType, EventData };
}

export interface WhiteboardOptions {
  key?: string;
  /** Unix seconds; default ten minutes after `now`. */
  expireTime?: number | string;
  /** Overrides the computed Sign. */
  sign?: string;
  /** Top-level fields to leave out, e.g. ["Sign"]. */
  omit?: string[];
  /** The body as text, bypassing everything else. */
  body?: string;
  path?: string;
  now?: number;
}

/** The body with ExpireTime and a correct Sign; change one option per test. */
export async function whiteboardBody(event: Record<string, unknown>, options: WhiteboardOptions = {}): Promise<string> {
  if (options.body !== undefined) return options.body;
  const expireTime = options.expireTime ?? Math.floor((options.now ?? Date.now()) / 1000) + 600;
  const Sign = options.sign ?? (await whiteboardSignature(options.key ?? TIW_KEY, String(expireTime)));
  const body: Record<string, unknown> = { ...event, ExpireTime: expireTime, Sign };
  for (const name of options.omit ?? []) delete body[name];
  return JSON.stringify(body);
}

export async function whiteboardRequest(
  event: Record<string, unknown>,
  options: WhiteboardOptions = {},
): Promise<Request> {
  return new Request(`http://relay.test${options.path ?? "/webhooks/tencent-whiteboard"}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: await whiteboardBody(event, options),
  });
}

/** The same request as the adapter sees it, for unit tests. */
export async function whiteboardInbound(
  event: Record<string, unknown>,
  options: WhiteboardOptions = {},
): Promise<InboundRequest> {
  return {
    method: "POST",
    rawQuery: "",
    headers: new Headers({ "content-type": "application/json" }),
    body: await whiteboardBody(event, options),
    clientIp: undefined,
  };
}
