/**
 * Hostile input on the admin API's lists and documents: each is a 400 with the error body that
 * says what to send, and nothing is listed wrongly, stored or sent.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { pauseTarget } from "../../src/delivery/pauses";
import { TEST_BINDINGS } from "../support/bindings";
import { bury } from "../support/dead-letters";
import { mockFetch } from "../support/fetch";
import { reset } from "../support/reset";
import { callWorker } from "../support/worker";

const RELAY = "https://relay.example.com";
const AUTH = { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` };
const INVALID_CURSOR = {
  error: "cursor is not valid: pass back a cursor from a previous page",
  code: "invalid_query",
};

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const { response } = await callWorker(new Request(`${RELAY}${path}`, { headers: AUTH }));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function cursorOf(path: string): Promise<string> {
  const { status, body } = await get(path);
  expect(status).toBe(200);
  expect(body.cursor).toEqual(expect.any(String));
  return body.cursor as string;
}

beforeEach(async () => {
  await reset();
});

describe("a cursor from another listing", () => {
  beforeEach(async () => {
    for (const target of ["aa", "bb", "cc"]) {
      await bury(target, `evt-${target}-1`);
      await bury(target, `evt-${target}-2`);
      await pauseTarget(env.RELAY_STATE, target, "operator");
    }
  });

  it("is refused by /admin/targets/paused when it came from /admin/dead-letters, and the other way round", async () => {
    const deadLetters = await cursorOf("/admin/dead-letters?limit=1");
    const paused = await cursorOf("/admin/targets/paused?limit=1");
    expect(await get(`/admin/targets/paused?cursor=${encodeURIComponent(deadLetters)}`)).toEqual({
      status: 400,
      body: INVALID_CURSOR,
    });
    expect(await get(`/admin/dead-letters?cursor=${encodeURIComponent(paused)}`)).toEqual({
      status: 400,
      body: INVALID_CURSOR,
    });
  });

  it("is refused by /admin/dead-letters when it came from a listing of another target (or of all)", async () => {
    const all = await cursorOf("/admin/dead-letters?limit=1");
    const ofAa = await cursorOf("/admin/dead-letters?target=aa&limit=1");
    for (const path of [
      `/admin/dead-letters?target=bb&cursor=${encodeURIComponent(all)}`,
      `/admin/dead-letters?target=bb&cursor=${encodeURIComponent(ofAa)}`,
      `/admin/dead-letters?cursor=${encodeURIComponent(ofAa)}`,
    ]) {
      expect(await get(path)).toEqual({ status: 400, body: INVALID_CURSOR });
    }
  });

  it("still pages each listing to its end with its own cursors, a reason filter changed between pages included", async () => {
    const ofAa = await cursorOf("/admin/dead-letters?target=aa&limit=1");
    const next = await get(`/admin/dead-letters?target=aa&reason=failed&limit=1&cursor=${encodeURIComponent(ofAa)}`);
    expect(next.status).toBe(200);
    expect(next.body.items).toEqual([expect.objectContaining({ target: "aa" })]);
    const paused = await cursorOf("/admin/targets/paused?limit=2");
    expect(await get(`/admin/targets/paused?limit=2&cursor=${encodeURIComponent(paused)}`)).toEqual({
      status: 200,
      body: { paused: [expect.objectContaining({ target: "cc" })], cursor: null },
    });
  });
});

describe("a query parameter given twice, or one a route does not take", () => {
  it.each([
    ["/admin/dead-letters?limit=1&limit=x", "limit"],
    ["/admin/dead-letters?target=aa&target=bb", "target"],
    ["/admin/targets/paused?cursor=&cursor=x", "cursor"],
    ["/admin/events?limit=1&limit=x", "limit"],
    ["/admin/events?provider=yunhuni&type=a&provider=tencent-meeting", "provider"],
    ["/admin/stats?since=1h&since=2h", "since"],
  ])("GET %s: 400 naming %s, not an answer for the first value alone", async (path, name) => {
    expect(await get(path)).toEqual({
      status: 400,
      body: { error: `query parameter ${name} is given more than once: give it once`, code: "invalid_query" },
    });
  });

  it.each([
    ["?account=acme&account=other", "query parameter account is given more than once: give it once"],
    ["?acount=acme", "unknown query parameter acount; known: account"],
  ])("POST /admin/huawei/link-config%s: 400, and Huawei is not called", async (query, error) => {
    const huawei = mockFetch(() => Response.json({}));
    try {
      const { response } = await callWorker(
        new Request(`${RELAY}/admin/huawei/link-config${query}`, {
          method: "POST",
          headers: AUTH,
          body: JSON.stringify({ accessToken: "huawei-access-token" }),
        }),
      );
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error, code: "invalid_query" });
      expect(huawei.requests).toEqual([]);
    } finally {
      huawei.restore();
    }
  });
});

describe("a targets document at the edges of what a delivery can send", () => {
  const STORED = JSON.stringify([{ id: "crm", url: "https://crm.example.com/hooks" }]);

  async function put(document: string) {
    await env.RELAY_CONFIG.put("targets", STORED);
    const { response, calls } = await callWorker(
      new Request(`${RELAY}/admin/targets`, { method: "PUT", headers: AUTH, body: document }),
    );
    return {
      status: response.status,
      body: await response.json(),
      calls,
      stored: await env.RELAY_CONFIG.get("targets"),
    };
  }

  const HEADER_VALUE = "a header value must not contain line breaks, control characters or lone surrogates";
  it.each([
    ["a lone surrogate", '"key-\\ud800-value"'],
    ["a lone low surrogate", '"\\udc00key-value"'],
    ["a control character", '"key\\u0001"'],
    ["an escape character", '"key\\u001b[31m"'],
    ["DEL", '"key\\u007f"'],
    ["a line break", '"key\\r\\nx-other: 1"'],
  ])("refuses a header value with %s, storing nothing", async (_, value) => {
    const document = `[{"id": "crm", "url": "https://crm.example.com/hooks", "headers": {"x-api-key": ${value}}}]`;
    expect(await put(document)).toEqual({
      status: 400,
      body: {
        error: "targets document is invalid",
        code: "invalid_targets",
        problems: [{ path: '$[0].headers["x-api-key"]', message: HEADER_VALUE }],
      },
      calls: [],
      stored: STORED,
    });
  });

  it("takes a header value with a tab, Latin-1, CJK or an emoji (a surrogate pair)", async () => {
    const document = JSON.stringify([
      { id: "crm", url: "https://crm.example.com/hooks", headers: { "x-a": "a\tb", "x-b": "é 中文 😀" } },
    ]);
    const { status, stored } = await put(document);
    expect(status).toBe(200);
    expect(JSON.parse(stored ?? "")).toEqual(JSON.parse(document));
  });

  it.each([
    "https://user:password@crm.example.com/hooks",
    "https://user@crm.example.com/hooks",
    "https://:password@crm.example.com/hooks",
  ])("refuses a url with a user name or password (%s), which GET would show unmasked", async (url) => {
    expect(await put(JSON.stringify([{ id: "crm", url }]))).toEqual({
      status: 400,
      body: {
        error: "targets document is invalid",
        code: "invalid_targets",
        problems: [
          {
            path: "$[0].url",
            message: "url must not hold a user name or password: put them in headers, which stay masked",
          },
        ],
      },
      calls: [],
      stored: STORED,
    });
  });
});
