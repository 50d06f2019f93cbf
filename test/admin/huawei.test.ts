import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { TEST_BINDINGS } from "../support/bindings";
import { mockFetch } from "../support/fetch";
import { callWorker } from "../support/worker";

const ENDPOINT = "https://relay.example.com/admin/huawei/link-config";
const AUTH = { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` };
const ACCESS_TOKEN = "stbX5ElstO5QwOwPB9KGQWUZ1DHoFrTsQjjC";
/** A local stand-in for Huawei's API; nothing leaves the machine. */
const HUAWEI = "https://huawei.test";
const LINK_CONFIG = `${HUAWEI}/v1/mmc/management/webhook/link-config`;

function linkConfig(
  body: unknown,
  { query = "", headers = AUTH }: { query?: string; headers?: Record<string, string> } = {},
) {
  return new Request(`${ENDPOINT}${query}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

interface SentToHuawei {
  method: string;
  url: string;
  headers: Headers;
  redirect: string;
  body: unknown;
}

let outbound: ReturnType<typeof mockFetch> | undefined;

/** What the relay sent to Huawei's stand-in, bodies parsed. */
function sent(): SentToHuawei[] {
  return (outbound?.requests ?? []).map((request) => ({ ...request, body: JSON.parse(request.body) }));
}
let logSpy: MockInstance<typeof console.log>;

/** Huawei's stand-in answers with `answer`, or fails like the network when it throws. */
function huaweiAnswers(answer: () => Response | Promise<Response>) {
  outbound = mockFetch(() => answer());
}

/** Calls the relay with Huawei's stand-in as HUAWEI_MEETING_API_BASE. */
function call(request: Request, overrides: Record<string, unknown> = {}) {
  return callWorker(request, { HUAWEI_MEETING_API_BASE: HUAWEI, ...overrides });
}

/** Neither the access token nor a subscriber key may appear in what the relay answers or logs. */
function expectNoSecrets(responseText: string) {
  const logs = JSON.stringify(logSpy.mock.calls);
  for (const secret of [
    ACCESS_TOKEN,
    TEST_BINDINGS.HUAWEI_MEETING_APP_KEY,
    TEST_BINDINGS.HUAWEI_MEETING_APP_KEY_ACME,
  ]) {
    expect(responseText).not.toContain(secret);
    expect(logs).not.toContain(secret);
  }
}

function adminLogLines() {
  return logSpy.mock.calls
    .map(([line]) => JSON.parse(String(line)) as Record<string, unknown>)
    .filter((line) => line.kind === "admin");
}

beforeEach(() => {
  outbound = undefined;
  logSpy = vi.spyOn(console, "log").mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("POST /admin/huawei/link-config: auth", () => {
  beforeEach(() => huaweiAnswers(() => new Response(null, { status: 200 })));

  it("without a bearer token is 401 and Huawei is not called", async () => {
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }, { headers: {} }));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error:
        "missing or wrong admin bearer token: send Authorization: Bearer <ADMIN_TOKEN> (set with npx wrangler secret put ADMIN_TOKEN; locally in .dev.vars)",
      code: "unauthorized",
    });
    expect(sent()).toEqual([]);
  });

  it("with a wrong token is 401", async () => {
    const { response } = await call(
      linkConfig({ accessToken: ACCESS_TOKEN }, { headers: { authorization: "Bearer wrong" } }),
    );
    expect(response.status).toBe(401);
    expect(sent()).toEqual([]);
  });

  it("with ADMIN_TOKEN unset is 503", async () => {
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }), { ADMIN_TOKEN: undefined });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "the admin API is disabled: ADMIN_TOKEN is not set",
      code: "admin_disabled",
    });
    expect(sent()).toEqual([]);
  });
});

describe("POST /admin/huawei/link-config: the call to Huawei", () => {
  beforeEach(() => huaweiAnswers(() => new Response(null, { status: 200 })));

  it("sends the documented request with this relay's subscriber id and key and its own Huawei URL", async () => {
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN, corpId: "1387317060" }));
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toEqual({
      huaweiStatus: 200,
      message:
        "Huawei accepted the event push configuration: events for subscriber hw-subscriber-0001 will be pushed to https://relay.example.com/webhooks/huawei-meeting",
      url: "https://relay.example.com/webhooks/huawei-meeting",
    });

    expect(sent()).toHaveLength(1);
    const [request] = sent();
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe(LINK_CONFIG);
    expect(request?.headers.get("x-access-token")).toBe(ACCESS_TOKEN);
    expect(request?.headers.get("content-type")).toBe("application/json");
    expect(request?.headers.get("user-agent")).toMatch(/^meeting-relay\//);
    expect(request?.body).toEqual({
      corpId: "1387317060",
      subscriberId: TEST_BINDINGS.HUAWEI_MEETING_APP_ID,
      subscriberKey: TEST_BINDINGS.HUAWEI_MEETING_APP_KEY,
      url: "https://relay.example.com/webhooks/huawei-meeting",
    });
    expectNoSecrets(text);
  });

  it("sends spId and an explicit https url as given, and no corpId when none is given", async () => {
    const { response } = await call(
      linkConfig({
        accessToken: ACCESS_TOKEN,
        spId: "sp-42",
        url: "https://hooks.example.org/webhooks/huawei-meeting",
      }),
    );
    expect(response.status).toBe(200);
    expect(sent()[0]?.body).toEqual({
      spId: "sp-42",
      subscriberId: TEST_BINDINGS.HUAWEI_MEETING_APP_ID,
      subscriberKey: TEST_BINDINGS.HUAWEI_MEETING_APP_KEY,
      url: "https://hooks.example.org/webhooks/huawei-meeting",
    });
  });

  it("uses HUAWEI_MEETING_API_BASE, tolerating a trailing slash", async () => {
    await call(linkConfig({ accessToken: ACCESS_TOKEN }), { HUAWEI_MEETING_API_BASE: "https://huawei.test/" });
    expect(sent()[0]?.url).toBe(LINK_CONFIG);
  });

  it("defaults to Huawei's public API when HUAWEI_MEETING_API_BASE is unset (still the stand-in, via the mock)", async () => {
    await call(linkConfig({ accessToken: ACCESS_TOKEN }), { HUAWEI_MEETING_API_BASE: undefined });
    expect(sent()[0]?.url).toBe("https://api.meeting.huaweicloud.com/v1/mmc/management/webhook/link-config");
  });

  it("?account=acme uses the _ACME credentials and the account's webhook URL", async () => {
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }, { query: "?account=acme" }));
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(sent()[0]?.body).toEqual({
      subscriberId: TEST_BINDINGS.HUAWEI_MEETING_APP_ID_ACME,
      subscriberKey: TEST_BINDINGS.HUAWEI_MEETING_APP_KEY_ACME,
      url: "https://relay.example.com/webhooks/huawei-meeting/acme",
    });
    expectNoSecrets(text);
  });

  it("logs one line with Huawei's status and the subscription, never the token or key", async () => {
    await call(linkConfig({ accessToken: ACCESS_TOKEN, corpId: "1387317060" }));
    expect(adminLogLines()).toEqual([
      expect.objectContaining({
        method: "POST",
        path: "/admin/huawei/link-config",
        status: 200,
        outcome: "ok",
        huaweiStatus: 200,
        subscriberId: TEST_BINDINGS.HUAWEI_MEETING_APP_ID,
        corpId: "1387317060",
        url: "https://relay.example.com/webhooks/huawei-meeting",
      }),
    ]);
    expectNoSecrets("");
  });
});

describe("POST /admin/huawei/link-config: refused before calling Huawei", () => {
  beforeEach(() => huaweiAnswers(() => new Response(null, { status: 200 })));

  it.each([
    [{ accessToken: ACCESS_TOKEN, url: "http://relay.example.com/webhooks/huawei-meeting" }],
    [{ accessToken: ACCESS_TOKEN, url: "relay.example.com/webhooks/huawei-meeting" }],
  ])("a url that is not https is 400: %j", async (body) => {
    const { response } = await call(linkConfig(body));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "url must be an absolute https:// URL (Huawei pushes events over HTTPS only)",
      code: "invalid_body",
    });
    expect(sent()).toEqual([]);
  });

  it.each([
    ["not JSON", "{accessToken:", /^request body is not valid JSON: /],
    ["no accessToken", { corpId: "1" }, /^accessToken is required \(from Huawei's App ID authentication\)$/],
    ["an empty accessToken", { accessToken: "  " }, /^accessToken must not be empty$/],
    ["a number corpId", { accessToken: ACCESS_TOKEN, corpId: 1387317060 }, /^corpId must be a string$/],
    ["an unknown field", { accessToken: ACCESS_TOKEN, corpID: "1" }, /^unknown field "corpID" \(allowed: /],
    ["an array", [ACCESS_TOKEN], /^the body must be a JSON object/],
    ...["a\nb", "a\rb", "a\u0000b", "a b", "令牌"].map((accessToken): [string, unknown, RegExp] => [
      `an accessToken ${JSON.stringify(accessToken)} (no header can carry it)`,
      { accessToken },
      /^accessToken must be the token as Huawei issued it: visible ASCII, no spaces or line breaks$/,
    ]),
  ])("%s is 400", async (name, body, message) => {
    const { response } = await call(linkConfig(body));
    const text = await response.text();
    expect(response.status).toBe(400);
    const code = name === "not JSON" ? "invalid_json" : "invalid_body";
    expect(JSON.parse(text)).toEqual({ error: expect.stringMatching(message), code });
    expect(sent()).toEqual([]);
    expectNoSecrets(text);
  });

  it("a syntax error right after the access token is 400 with its line and column only, never the token", async () => {
    const text = `{\n  "corpId": "1",\n  "accessToken": ["${ACCESS_TOKEN}",]\n}`;
    const { response } = await call(linkConfig(text));
    const answer = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(answer)).toEqual({
      error: "request body is not valid JSON: line 3, column 58",
      code: "invalid_json",
    });
    expectNoSecrets(answer);
    for (const part of [ACCESS_TOKEN.slice(-6), ACCESS_TOKEN.slice(0, 6)]) {
      expect(answer).not.toContain(part);
      expect(JSON.stringify(logSpy.mock.calls)).not.toContain(part);
    }
    expect(sent()).toEqual([]);
  });

  it("a body over 16 KiB is 413 and Huawei is not called", async () => {
    const { response } = await call(linkConfig({ accessToken: "t".repeat(16 * 1024) }));
    const answer = await response.text();
    expect(response.status).toBe(413);
    expect(JSON.parse(answer)).toEqual({ error: "request body exceeds 16384 bytes", code: "payload_too_large" });
    expect(sent()).toEqual([]);
  });

  it("a malformed account is 400", async () => {
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }, { query: "?account=ACME!" }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "account must be 1 to 32 characters of a-z, 0-9 and _",
      code: "invalid_account",
    });
    expect(sent()).toEqual([]);
  });

  it("503 names the missing var when HUAWEI_MEETING_APP_ID is unset", async () => {
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }), { HUAWEI_MEETING_APP_ID: undefined });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "huawei-meeting is not configured: var HUAWEI_MEETING_APP_ID not set",
      code: "provider_not_configured",
    });
    expect(sent()).toEqual([]);
  });

  it("503 names the account's missing secret", async () => {
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }, { query: "?account=acme" }), {
      HUAWEI_MEETING_APP_KEY_ACME: undefined,
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "huawei-meeting is not configured: secret HUAWEI_MEETING_APP_KEY_ACME not set",
      code: "provider_not_configured",
    });
  });

  it("503 names both when an account has neither", async () => {
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }, { query: "?account=globex" }));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error:
        "huawei-meeting is not configured: var HUAWEI_MEETING_APP_ID_GLOBEX and secret HUAWEI_MEETING_APP_KEY_GLOBEX not set",
      code: "provider_not_configured",
    });
  });
});

describe("POST /admin/huawei/link-config: Huawei's answers", () => {
  it.each([
    [400, "Huawei rejected the parameters (400): check corpId or spId, and that url is a public HTTPS address"],
    [
      401,
      "Huawei did not accept the access token (401): get a fresh accessToken from Huawei's App ID authentication (tokens expire)",
    ],
    [
      403,
      "Huawei refused the registration (403, insufficient permissions): the access token must be an enterprise administrator's, or the SP administrator's when spId is given",
    ],
    [500, "Huawei had a server error (500); try again later"],
    [503, "Huawei is unavailable (503); try again later"],
    [404, "Huawei answered an unexpected HTTP 404; check HUAWEI_MEETING_API_BASE"],
  ])("%i becomes 502 with a clear message", async (status, message) => {
    huaweiAnswers(() => new Response("<html>error</html>", { status }));
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN, corpId: "1387317060" }));
    const text = await response.text();
    expect(response.status).toBe(502);
    expect(JSON.parse(text)).toEqual({
      error: message,
      code: "huawei_upstream_error",
      huaweiStatus: status,
      message,
      url: "https://relay.example.com/webhooks/huawei-meeting",
    });
    expect(adminLogLines()).toEqual([
      expect.objectContaining({ status: 502, outcome: "failed", huaweiStatus: status }),
    ]);
    expectNoSecrets(text);
  });

  it("adds Huawei's error code and message, with the token and key blanked out", async () => {
    huaweiAnswers(() =>
      Response.json(
        {
          error_code: "USG.000000011",
          error_msg: `token ${ACCESS_TOKEN} expired (key ${TEST_BINDINGS.HUAWEI_MEETING_APP_KEY})`,
        },
        { status: 401 },
      ),
    );
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }));
    const text = await response.text();
    expect(response.status).toBe(502);
    expect(JSON.parse(text)).toMatchObject({
      huaweiStatus: 401,
      message:
        "Huawei did not accept the access token (401): get a fresh accessToken from Huawei's App ID authentication (tokens expire) (Huawei says: USG.000000011 token [redacted] expired (key [redacted]))",
    });
    expect(adminLogLines()).toEqual([expect.objectContaining({ huaweiStatus: 401, huaweiErrorCode: "USG.000000011" })]);
    expectNoSecrets(text);
  });

  it("any 2xx is success", async () => {
    huaweiAnswers(() => new Response(null, { status: 204 }));
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ huaweiStatus: 204 });
  });

  it("a network error becomes 502 with huaweiStatus null", async () => {
    huaweiAnswers(() => {
      throw new TypeError("Network connection lost.");
    });
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }));
    const text = await response.text();
    expect(response.status).toBe(502);
    const message =
      "could not reach Huawei at https://huawei.test: Network connection lost.; check HUAWEI_MEETING_API_BASE and try again";
    expect(JSON.parse(text)).toEqual({
      error: message,
      code: "huawei_upstream_error",
      huaweiStatus: null,
      message,
      url: "https://relay.example.com/webhooks/huawei-meeting",
    });
    expectNoSecrets(text);
  });

  it("no answer in time becomes 502 saying so", async () => {
    huaweiAnswers(() => {
      throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
    });
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }));
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({
      huaweiStatus: null,
      message: "Huawei did not answer within 10 s (https://huawei.test); try again later",
    });
  });
});

describe("POST /admin/huawei/link-config: where the subscriber key may go", () => {
  it("never follows a redirect: the call is made with redirect manual", async () => {
    huaweiAnswers(() => new Response(null, { status: 200 }));
    await call(linkConfig({ accessToken: ACCESS_TOKEN }));
    expect(sent().map((request) => request.redirect)).toEqual(["manual"]);
  });

  it.each([301, 302, 307, 308])("reports a %i redirect as 502 and sends nothing to where it points", async (status) => {
    huaweiAnswers(() => new Response(null, { status, headers: { location: "https://elsewhere.example.net/steal" } }));
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }));
    const text = await response.text();
    expect(response.status).toBe(502);
    const message = `Huawei answered a redirect (${status}), which the relay does not follow: it would send the access token and subscriber key to another address; check HUAWEI_MEETING_API_BASE`;
    expect(JSON.parse(text)).toEqual({
      error: message,
      code: "huawei_upstream_error",
      huaweiStatus: status,
      message,
      url: "https://relay.example.com/webhooks/huawei-meeting",
    });
    expect(sent().map((request) => request.url)).toEqual([LINK_CONFIG]);
    expectNoSecrets(text);
  });

  it.each([
    ["plain http", "http://huawei.test", "true"],
    ["http on localhost without ALLOW_INSECURE_TARGETS", "http://localhost:9100", "false"],
    ["http on 127.0.0.1 without ALLOW_INSECURE_TARGETS", "http://127.0.0.1:9100", "false"],
    ["not a URL", "api.meeting.huaweicloud.com", "true"],
    ["another scheme", "ftp://huawei.test", "true"],
  ])("answers 503 naming HUAWEI_MEETING_API_BASE for %s, and calls no one", async (_, base, insecure) => {
    huaweiAnswers(() => new Response(null, { status: 200 }));
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }), {
      HUAWEI_MEETING_API_BASE: base,
      ALLOW_INSECURE_TARGETS: insecure,
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: `the relay is misconfigured: HUAWEI_MEETING_API_BASE must be an https:// URL (http:// only for localhost or 127.0.0.1 with ALLOW_INSECURE_TARGETS=true), got "${base}"`,
      code: "relay_misconfigured",
    });
    expect(sent()).toEqual([]);
  });

  it.each(["http://localhost:9100", "http://127.0.0.1:9100"])(
    "calls %s with ALLOW_INSECURE_TARGETS=true (local development)",
    async (base) => {
      huaweiAnswers(() => new Response(null, { status: 200 }));
      const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }), {
        HUAWEI_MEETING_API_BASE: base,
        ALLOW_INSECURE_TARGETS: "true",
      });
      expect(response.status).toBe(200);
      expect(sent().map((request) => request.url)).toEqual([`${base}/v1/mmc/management/webhook/link-config`]);
    },
  );
});

describe("POST /admin/huawei/link-config: Huawei's answer is read up to 64 KiB", () => {
  it("reads an error body up to the limit", async () => {
    const padding = " ".repeat(64 * 1024 - 100);
    huaweiAnswers(() => new Response(`${padding}{"error_code":"MMC.111","error_msg":"bad"}`, { status: 400 }));
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }));
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ huaweiStatus: 400, message: expect.stringContaining("MMC.111 bad") });
  });

  it("answers 502 saying so when the body is larger", async () => {
    huaweiAnswers(() => new Response("x".repeat(64 * 1024 + 1), { status: 500 }));
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }));
    expect(response.status).toBe(502);
    const message =
      "Huawei had a server error (500); try again later (its answer is larger than 64 KiB and was not read)";
    expect(await response.json()).toEqual({
      error: message,
      code: "huawei_upstream_error",
      huaweiStatus: 500,
      message,
      url: "https://relay.example.com/webhooks/huawei-meeting",
    });
  });

  it("stops reading an endless answer at the limit", async () => {
    const chunk = new Uint8Array(16 * 1024).fill(0x78);
    let pulled = 0;
    huaweiAnswers(
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              pulled++;
              controller.enqueue(chunk);
            },
          }),
          { status: 500 },
        ),
    );
    const { response } = await call(linkConfig({ accessToken: ACCESS_TOKEN }));
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ huaweiStatus: 500, message: expect.stringContaining("64 KiB") });
    expect(pulled).toBeLessThan(10);
  });
});
