import { encodeBase64, encodeUtf8 } from "../../src/lib/bytes";
import { sha1Hex } from "../../src/lib/crypto";
import { TEST_BINDINGS } from "./bindings";

export const TENCENT_TOKEN = TEST_BINDINGS.TENCENT_MEETING_TOKEN;

/** Tencent Meeting's documented example callback, decoded. */
export const SEED_CALLBACK = {
  event: "meeting.created",
  unique_sequence: "f20096ee-8ac8-4df2-a7de-0574649f211b",
  payload: [
    {
      operate_time: "2020-12-29 17:41:06",
      operator: { userid: "tester00006ba5bab339858c13c930cca95684" },
      meeting_info: {
        meeting_id: "6058890385480921052",
        meeting_code: "530812452",
        subject: "media tester meeting",
        creator_id: "tester00006ba5bab339858c13c930cca95684",
        hosts: ["tester00006ba5bab339858c13c930cca95684"],
        meeting_type: 0,
        start_time: "2020-12-29 17:41:04",
        end_time: "2020-12-29 18:01:04",
      },
    },
  ],
};

/** The `data` of the example callback's event, exactly as docs/architecture.md's example shows it. */
export const SEED_EVENT_DATA = {
  meeting: {
    id: "6058890385480921052",
    code: "530812452",
    subject: "media tester meeting",
    start: "2020-12-29T09:41:04Z",
    end: "2020-12-29T10:01:04Z",
  },
  operator: { id: "tester00006ba5bab339858c13c930cca95684" },
  raw: SEED_CALLBACK.payload[0],
};

/** The example's `data` string exactly as Tencent sends it (no padding). */
export const SEED_DATA =
  "eyJldmVudCI6Im1lZXRpbmcuY3JlYXRlZCIsInVuaXF1ZV9zZXF1ZW5jZSI6ImYyMDA5NmVlLThhYzgtNGRmMi1hN2RlLTA1NzQ2NDlmMjExYiIsInBheWxvYWQiOlt7Im9wZXJhdGVfdGltZSI6IjIwMjAtMTItMjkgMTc6NDE6MDYiLCJvcGVyYXRvciI6eyJ1c2VyaWQiOiJ0ZXN0ZXIwMDAwNmJhNWJhYjMzOTg1OGMxM2M5MzBjY2E5NTY4NCJ9LCJtZWV0aW5nX2luZm8iOnsibWVldGluZ19pZCI6IjYwNTg4OTAzODU0ODA5MjEwNTIiLCJtZWV0aW5nX2NvZGUiOiI1MzA4MTI0NTIiLCJzdWJqZWN0IjoibWVkaWEgdGVzdGVyIG1lZXRpbmciLCJjcmVhdG9yX2lkIjoidGVzdGVyMDAwMDZiYTViYWIzMzk4NThjMTNjOTMwY2NhOTU2ODQiLCJob3N0cyI6WyJ0ZXN0ZXIwMDAwNmJhNWJhYjMzOTg1OGMxM2M5MzBjY2E5NTY4NCJdLCJtZWV0aW5nX3R5cGUiOjAsInN0YXJ0X3RpbWUiOiIyMDIwLTEyLTI5IDE3OjQxOjA0IiwiZW5kX3RpbWUiOiIyMDIwLTEyLTI5IDE4OjAxOjA0In19XX0";

export function base64Json(value: unknown): string {
  return encodeBase64(encodeUtf8(JSON.stringify(value)));
}

export interface TencentRequestOptions {
  token?: string;
  timestamp?: string;
  nonce?: string;
  /** Overrides the computed signature. */
  signature?: string;
  path?: string;
  /** Headers to drop, e.g. ["signature"]. */
  omit?: string[];
}

async function signedHeaders(data: string, options: TencentRequestOptions): Promise<Record<string, string>> {
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? "1735688459";
  const token = options.token ?? TENCENT_TOKEN;
  const signature = options.signature ?? (await sha1Hex([token, timestamp, nonce, data].sort().join("")));
  const headers: Record<string, string> = { timestamp, nonce, signature };
  for (const name of options.omit ?? []) delete headers[name];
  return headers;
}

/** A correctly signed Tencent Meeting event POST; change one option per test. */
export async function tencentEventRequest(data: string, options: TencentRequestOptions = {}): Promise<Request> {
  return new Request(`http://relay.test${options.path ?? "/webhooks/tencent-meeting"}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(await signedHeaders(data, options)) },
    body: JSON.stringify({ data }),
  });
}

/** A correctly signed URL verification GET; `rawCheckStr` goes into the query as given. */
export async function tencentCheckRequest(
  checkStr: string,
  options: TencentRequestOptions & { rawCheckStr?: string } = {},
): Promise<Request> {
  const raw = options.rawCheckStr ?? encodeURIComponent(checkStr);
  return new Request(`http://relay.test${options.path ?? "/webhooks/tencent-meeting"}?check_str=${raw}`, {
    headers: await signedHeaders(checkStr, options),
  });
}

/** AES-256-CBC as Tencent encrypts with an EncodingAESKey, in WebCrypto; the Node-made vectors check it. */
export async function encryptTencent(plain: string, encodingAesKey: string): Promise<string> {
  const raw = Uint8Array.from(atob(`${encodingAesKey}=`), (char) => char.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "AES-CBC" }, false, ["encrypt"]);
  const cipher = await crypto.subtle.encrypt({ name: "AES-CBC", iv: raw.slice(0, 16) }, key, encodeUtf8(plain));
  return encodeBase64(new Uint8Array(cipher));
}
