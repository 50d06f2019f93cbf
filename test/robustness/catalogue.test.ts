/**
 * The bad-input catalogue: every documented error path for every platform, with its exact
 * status and message, and proof that nothing was enqueued, stored or delivered, and
 * that neither the rejected body nor the offered signature or token reached a log line.
 */

import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TEST_BINDINGS } from "../support/bindings";
import { mockFetch } from "../support/fetch";
import { HUAWEI_APP_ID, huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { SECRET_VALUES } from "../support/hygiene";
import { reset } from "../support/reset";
import {
  base64Json,
  encryptTencent,
  SEED_DATA,
  tencentCheckRequest,
  tencentEventRequest,
} from "../support/tencent-meeting";
import { whiteboardEvent, whiteboardRequest } from "../support/tencent-whiteboard";
import { callWorker } from "../support/worker";
import { yunhuniRequest } from "../support/yunhuni";

const ROUTE_NOT_FOUND =
  "no such webhook route: use /webhooks/<platform> or /webhooks/<platform>/<account>, platform one of tencent-meeting, huawei-meeting, yunhuni, tencent-whiteboard, account in lower case (a-z, 0-9, _)";
const NOT_FOUND = "not found: the relay answers /webhooks/<platform>[/<account>], /admin/…, /console and /healthz";

/** Appears in every rejected body; must never be logged. */
const MARKER = "REJECTED-BODY-MARKER-5e1f";
const FORGED_SHA1 = "5e1f".repeat(10);
const FORGED_SHA256 = "5e1f".repeat(16);
const FORGED_MD5 = "5e1f".repeat(8);
const FORGED_TOKEN = "forged-token-5e1f";
const now = () => Date.now();
const seconds = () => Math.floor(Date.now() / 1000);

const markedTencent = () =>
  base64Json({ event: "meeting.created", unique_sequence: MARKER, payload: [{ note: MARKER }] });
/** The encrypted account (TENCENT_MEETING_ENCODING_AES_KEY_ACME), and a key that is not its. */
const ACME = { path: "/webhooks/tencent-meeting/acme", token: TEST_BINDINGS.TENCENT_MEETING_TOKEN_ACME };
const WRONG_KEY = "wrongKey00000000000000000000000000000000000";
const acmeKey = TEST_BINDINGS.TENCENT_MEETING_ENCODING_AES_KEY_ACME;
const UNDECRYPTABLE = /^data could not be decrypted with TENCENT_MEETING_ENCODING_AES_KEY_ACME /;
const markedHuawei = () => huaweiEventInfo("meeting.started", { attendeeInfo: { displayName: MARKER } });
const markedYunhuni = () => ({ event: "conf.joined", id: MARKER, join_time: now() });
const markedWhiteboard = () => whiteboardEvent("TranscodeFinished", { TaskId: MARKER }, seconds());
const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  new Request(`http://relay.test${path}`, { method: "POST", body, headers });
const oversized = () => `{"pad":"${MARKER}${"x".repeat(256 * 1024)}"}`;
function chunked(path: string): Request {
  const chunk = new TextEncoder().encode(`${MARKER}${"y".repeat(64 * 1024)}`);
  const body = new ReadableStream({
    start(controller) {
      for (let i = 0; i < 5; i++) controller.enqueue(chunk);
      controller.close();
    },
  });
  return new Request(`http://relay.test${path}`, { method: "POST", body });
}

interface Case {
  name: string;
  request: () => Request | Promise<Request>;
  env?: Record<string, unknown>;
  queueFailure?: boolean;
  error: string | RegExp;
}

/** The stable code each refusal carries: by status, and for 503 by what is wrong. */
function expectedCode(status: number, testCase: Case): string {
  if (status === 503) {
    if (testCase.queueFailure) return "queue_unavailable";
    return String(testCase.error).startsWith("the relay is misconfigured")
      ? "relay_misconfigured"
      : "provider_not_configured";
  }
  const codes: Record<number, string> = {
    400: "invalid_callback",
    401: "signature_invalid",
    403: "ip_not_allowed",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
  };
  return codes[status] ?? "unexpected status";
}

const CATALOGUE: Record<400 | 401 | 403 | 404 | 405 | 413 | 503, Case[]> = {
  400: [
    {
      name: "tencent: body is not JSON",
      request: () =>
        tencentEventRequest(MARKER, { omit: [] }).then((r) =>
          post(new URL(r.url).pathname, `{data:${MARKER}`, Object.fromEntries(r.headers)),
        ),
      error: "body is not a JSON object",
    },
    {
      name: "tencent: signed data is not base64",
      request: () => tencentEventRequest(`${MARKER}!`),
      error: "data is not base64-encoded UTF-8",
    },
    {
      name: "tencent: decoded data has no event",
      request: () => tencentEventRequest(base64Json({ unique_sequence: MARKER, payload: [] })),
      error: "decoded data has no event",
    },
    {
      name: "tencent encrypted: data encrypted with another key",
      request: async () => tencentEventRequest(await encryptTencent(markedTencent(), WRONG_KEY), ACME),
      error: UNDECRYPTABLE,
    },
    {
      name: "tencent encrypted: data is base64 of garbage, neither ciphertext nor JSON",
      request: () => tencentEventRequest(btoa(`${MARKER}${"\u0000".repeat(11)}`), ACME),
      error: UNDECRYPTABLE,
    },
    {
      name: "tencent encrypted: data is not base64",
      request: () => tencentEventRequest(`${MARKER}!`, ACME),
      error: UNDECRYPTABLE,
    },
    {
      name: "tencent encrypted: data decrypts to a JSON array",
      request: async () => tencentEventRequest(await encryptTencent(`["${MARKER}"]`, acmeKey), ACME),
      error: "decrypted data is not a JSON object",
    },
    {
      name: "tencent encrypted: check_str encrypted with another key",
      request: async () => tencentCheckRequest(await encryptTencent("\u00ff".repeat(40), WRONG_KEY), ACME),
      error: /^check_str could not be decrypted with TENCENT_MEETING_ENCODING_AES_KEY_ACME /,
    },
    {
      name: "huawei: body is not JSON",
      request: () => post("/webhooks/huawei-meeting", `{"eventInfo":${MARKER}`),
      error: "body is not a JSON object",
    },
    {
      name: "huawei: form-encoded body (wrong content type)",
      request: () =>
        post("/webhooks/huawei-meeting", `eventInfo=${MARKER}`, {
          "content-type": "application/x-www-form-urlencoded",
        }),
      error: "body is not a JSON object",
    },
    {
      name: "huawei: no eventInfo",
      request: () => post("/webhooks/huawei-meeting", JSON.stringify({ appID: HUAWEI_APP_ID, note: MARKER })),
      error: "body has no eventInfo",
    },
    {
      name: "huawei: eventInfo twice",
      request: () => post("/webhooks/huawei-meeting", `{"eventInfo":{"event":"a"},"eventInfo":{"event":"${MARKER}"}}`),
      error: "body has more than one eventInfo",
    },
    {
      name: "yunhuni: body is not JSON",
      request: () => yunhuniRequest(null, { body: `<xml>${MARKER}</xml>` }),
      error: "body is not a JSON object",
    },
    {
      name: "yunhuni: no conference id",
      request: () => yunhuniRequest({ event: "conf.joined", note: MARKER }),
      error: "body has no conference id string",
    },
    {
      name: "whiteboard: body is not JSON",
      request: () => whiteboardRequest({}, { body: MARKER }),
      error: "body is not a JSON object",
    },
    {
      name: "whiteboard: no Sign",
      request: () => whiteboardRequest(markedWhiteboard(), { omit: ["Sign"] }),
      error: "body has no Sign string",
    },
    {
      name: "any: body nests JSON deeper than 64 levels",
      request: () => whiteboardRequest({}, { body: `{"m":"${MARKER}","d":${"[".repeat(65)}${"]".repeat(65)}}` }),
      error: "request body nests JSON deeper than 64 levels",
    },
    {
      name: "any: body is not UTF-8",
      request: () => post("/webhooks/yunhuni", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])),
      error: "request body is not valid UTF-8",
    },
  ],
  401: [
    {
      name: "tencent: forged signature",
      request: () => tencentEventRequest(markedTencent(), { signature: FORGED_SHA1 }),
      error: "signature mismatch",
    },
    {
      name: "tencent encrypted: forged signature over the ciphertext",
      request: async () =>
        tencentEventRequest(await encryptTencent(markedTencent(), acmeKey), { ...ACME, signature: FORGED_SHA1 }),
      error: "signature mismatch",
    },
    {
      name: "tencent: stale timestamp",
      request: () => tencentEventRequest(markedTencent(), { timestamp: String(seconds() - 86_401) }),
      error: "timestamp is outside the replay window",
    },
    {
      name: "tencent: future timestamp",
      request: () => tencentEventRequest(markedTencent(), { timestamp: String(seconds() + 86_401) }),
      error: "timestamp is outside the replay window",
    },
    {
      name: "tencent: replay of a valid request a day later",
      request: () => tencentEventRequest(SEED_DATA, { timestamp: String(seconds() - 90_000) }),
      error: "timestamp is outside the replay window",
    },
    {
      name: "tencent: duplicate signature headers",
      request: async () => {
        const request = await tencentEventRequest(markedTencent());
        const headers = new Headers(request.headers);
        headers.append("signature", FORGED_SHA1);
        return new Request(request, { headers });
      },
      error: "signature header is not a SHA-1 hex digest",
    },
    {
      name: "tencent: URL verification with a forged signature",
      request: () => tencentCheckRequest(base64Json(MARKER), { signature: FORGED_SHA1 }),
      error: "signature mismatch",
    },
    {
      name: "huawei: forged signature",
      request: () => huaweiRequest(markedHuawei(), { signature: FORGED_SHA256 }),
      error: "signature mismatch",
    },
    {
      name: "huawei: another subscriber's appID",
      request: () => huaweiRequest(markedHuawei(), { appId: "someone-else" }),
      error: "appID does not match HUAWEI_MEETING_APP_ID",
    },
    {
      name: "huawei: signed with another key",
      request: () => huaweiRequest(markedHuawei(), { appKey: FORGED_TOKEN }),
      error: "signature mismatch",
    },
    {
      name: "huawei: stale timestamp",
      request: () => huaweiRequest(markedHuawei(), { timestamp: now() - 86_401_000 }),
      error: "timestamp is outside the replay window",
    },
    {
      name: "yunhuni: wrong token",
      request: () => yunhuniRequest(markedYunhuni(), { token: FORGED_TOKEN }),
      error: "token mismatch",
    },
    {
      name: "yunhuni: no token",
      request: () => yunhuniRequest(markedYunhuni(), { token: null }),
      error: "missing token query parameter",
    },
    {
      // Answered like a forged callback, so account names cannot be probed.
      name: "yunhuni: account without any credentials",
      request: () => yunhuniRequest(markedYunhuni(), { path: "/webhooks/yunhuni/globex" }),
      error: "token mismatch",
    },
    {
      name: "whiteboard: forged Sign",
      request: () => whiteboardRequest(markedWhiteboard(), { sign: FORGED_MD5 }),
      error: "Sign mismatch",
    },
    {
      name: "whiteboard: expired signature",
      request: () => whiteboardRequest(markedWhiteboard(), { expireTime: seconds() - 1 }),
      error: "ExpireTime has passed",
    },
    {
      name: "whiteboard: ExpireTime more than 7 days ahead",
      request: () => whiteboardRequest(markedWhiteboard(), { expireTime: seconds() + 8 * 86_400 }),
      error: "ExpireTime is more than 7 days ahead",
    },
    {
      name: "whiteboard: signed with another key",
      request: () => whiteboardRequest(markedWhiteboard(), { key: FORGED_TOKEN }),
      error: "Sign mismatch",
    },
  ],
  403: [
    {
      name: "yunhuni: client IP outside the allow-list",
      request: () => yunhuniRequest(markedYunhuni(), { clientIp: "192.0.2.7" }),
      env: { YUNHUNI_ALLOWED_IPS: "198.51.100.0/24" },
      error: "client IP is not in YUNHUNI_ALLOWED_IPS",
    },
    {
      name: "yunhuni: account route outside the platform's allow-list (no list of its own)",
      request: () =>
        yunhuniRequest(markedYunhuni(), {
          path: "/webhooks/yunhuni/acme",
          token: TEST_BINDINGS.YUNHUNI_TOKEN_ACME,
          clientIp: "192.0.2.7",
        }),
      env: { YUNHUNI_ALLOWED_IPS: "198.51.100.0/24" },
      error: "client IP is not in YUNHUNI_ALLOWED_IPS",
    },
  ],
  404: [
    { name: "unknown provider", request: () => post("/webhooks/zoom", MARKER), error: ROUTE_NOT_FOUND },
    { name: "no provider", request: () => post("/webhooks", MARKER), error: NOT_FOUND },
    {
      name: "account outside [a-z0-9_]{1,32}",
      request: () => yunhuniRequest(markedYunhuni(), { path: `/webhooks/yunhuni/${"a".repeat(33)}` }),
      error: ROUTE_NOT_FOUND,
    },
    { name: "unknown path", request: () => post("/hooks/tencent-meeting", MARKER), error: NOT_FOUND },
  ],
  405: [
    {
      name: "huawei: GET",
      request: () => new Request("http://relay.test/webhooks/huawei-meeting"),
      error: "method GET is not allowed here",
    },
    {
      name: "yunhuni: PUT",
      request: () => new Request("http://relay.test/webhooks/yunhuni", { method: "PUT", body: MARKER }),
      error: "method PUT is not allowed here",
    },
    {
      name: "whiteboard: DELETE",
      request: () => new Request("http://relay.test/webhooks/tencent-whiteboard", { method: "DELETE" }),
      error: "method DELETE is not allowed here",
    },
    {
      name: "healthz: POST",
      request: () => new Request("http://relay.test/healthz", { method: "POST", body: MARKER }),
      error: "method POST is not allowed here",
    },
    {
      name: "tencent: PATCH",
      request: () => new Request("http://relay.test/webhooks/tencent-meeting", { method: "PATCH", body: MARKER }),
      error: "method PATCH is not allowed here",
    },
  ],
  413: [
    ...["tencent-meeting", "huawei-meeting", "yunhuni", "tencent-whiteboard"].flatMap((provider) => [
      {
        name: `${provider}: over 256 KiB`,
        request: () => post(`/webhooks/${provider}`, oversized()),
        error: "request body exceeds 262144 bytes",
      },
      {
        name: `${provider}: over 256 KiB, chunked without content-length`,
        request: () => chunked(`/webhooks/${provider}`),
        error: "request body exceeds 262144 bytes",
      },
    ]),
  ],
  503: [
    {
      name: "tencent: token unset",
      request: () => tencentEventRequest(markedTencent()),
      env: { TENCENT_MEETING_TOKEN: undefined },
      error: "tencent-meeting is not configured: TENCENT_MEETING_TOKEN not set",
    },
    {
      name: "tencent encrypted: EncodingAESKey malformed",
      request: async () => tencentEventRequest(await encryptTencent(markedTencent(), acmeKey), ACME),
      env: { TENCENT_MEETING_ENCODING_AES_KEY_ACME: `${acmeKey.slice(1)}=` },
      error:
        "the relay is misconfigured: TENCENT_MEETING_ENCODING_AES_KEY_ACME must be the 43 letters and digits of the subscription's EncodingAESKey",
    },
    {
      name: "huawei: key unset",
      request: () => huaweiRequest(markedHuawei()),
      env: { HUAWEI_MEETING_APP_KEY: "" },
      error: "huawei-meeting is not configured: HUAWEI_MEETING_APP_KEY not set",
    },
    {
      // Only an account with some credentials of its own says what is missing; one with none answers 401.
      name: "yunhuni: account with its own allow-list but no token",
      request: () => yunhuniRequest(markedYunhuni(), { path: "/webhooks/yunhuni/globex" }),
      env: { YUNHUNI_ALLOWED_IPS_GLOBEX: "192.0.2.1" },
      error: "yunhuni account globex is not configured: YUNHUNI_TOKEN_GLOBEX not set",
    },
    {
      name: "whiteboard: key unset",
      request: () => whiteboardRequest(markedWhiteboard()),
      env: { TIW_CALLBACK_KEY: undefined },
      error: "tencent-whiteboard is not configured: TIW_CALLBACK_KEY not set",
    },
    {
      name: "huawei: the queue refuses a valid event",
      request: () => huaweiRequest(markedHuawei()),
      queueFailure: true,
      error: "the event could not be queued; retry later",
    },
    {
      name: "whiteboard: the queue refuses a valid event",
      request: () => whiteboardRequest(markedWhiteboard()),
      queueFailure: true,
      error: "the event could not be queued; retry later",
    },
  ],
};

let logged: string[];
let outbound: ReturnType<typeof mockFetch>;
beforeEach(async () => {
  await reset();
  logged = [];
  const original = console.log;
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    logged.push(args.map(String).join(" "));
    original(...args);
  });
  outbound = mockFetch();
});
afterEach(() => vi.restoreAllMocks());

describe.each(Object.entries(CATALOGUE))("%s", (status, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, testCase) => {
    const request = await testCase.request();
    const offered = [request.headers.get("signature"), new URL(request.url).searchParams.get("token")].filter(Boolean);
    const { response, enqueued } = await callWorker(
      request,
      testCase.env,
      testCase.queueFailure ? { queueFailure: new Error("queue down") } : {},
    );
    expect(response.status).toBe(Number(status));
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response.json()) as { error: string; code: string };
    const code = expectedCode(Number(status), testCase);
    if (typeof testCase.error === "string") expect(body).toEqual({ error: testCase.error, code });
    else expect(body).toEqual({ error: expect.stringMatching(testCase.error), code });

    // Nothing enqueued, stored or delivered.
    expect(enqueued).toEqual([]);
    expect((await env.RELAY_STATE.list()).keys).toEqual([]);
    expect((await env.RELAY_CONFIG.list()).keys).toEqual([]);
    expect(outbound.requests).toEqual([]);

    // One log line for the request; nothing of what was offered in it.
    expect(logged.length).toBeGreaterThan(0);
    const text = logged.join("\n");
    expect(text).not.toContain(MARKER);
    for (const secret of [FORGED_SHA1, FORGED_SHA256, FORGED_MD5, FORGED_TOKEN, ...offered])
      expect(text).not.toContain(secret);
    for (const secret of SECRET_VALUES) expect(text).not.toContain(secret);
  });
});

describe("a var set wrong", () => {
  it("answers 503 naming the var (the platform retries once it is fixed), and enqueues nothing", async () => {
    const { response, enqueued } = await callWorker(await tencentEventRequest(markedTencent()), {
      REPLAY_WINDOW_SECONDS: "an hour",
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: 'the relay is misconfigured: REPLAY_WINDOW_SECONDS must be a whole number of seconds, got "an hour"',
      code: "relay_misconfigured",
    });
    expect(enqueued).toEqual([]);
  });
});
