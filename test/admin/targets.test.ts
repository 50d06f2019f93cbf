import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { loadTargets } from "../../src/config/targets";
import { forgetWaiting, noteWaiting, WAITING_KEY } from "../../src/delivery/waiting";
import { TEST_BINDINGS } from "../support/bindings";
import { aSecondPasses } from "../support/production/kv";
import { EXAMPLE_TARGET, OLD_SECRET, THIRD_SECRET } from "../support/targets";
import { callWorker } from "../support/worker";

const URL_TARGETS = "https://relay.example.com/admin/targets";
const AUTH = { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` };
const SECRET = EXAMPLE_TARGET.secret;

// A header value distinctive enough that the log test below can look for it.
const VALID = [
  { ...EXAMPLE_TARGET, headers: { "x-api-key": "api-key-value" } },
  { id: "sink", url: "http://127.0.0.1:9000/events" },
];

function put(body: string, headers: Record<string, string> = AUTH) {
  return new Request(URL_TARGETS, { method: "PUT", headers: { "content-type": "application/json", ...headers }, body });
}

function get(headers: Record<string, string> = AUTH) {
  return new Request(URL_TARGETS, { headers });
}

/** The stored targets document, parsed (`null` when none is stored). */
async function storedTargets() {
  return JSON.parse((await env.RELAY_CONFIG.get("targets")) ?? "null");
}

/** The 400 answer to a PUT of an invalid document, listing `problems`. */
function invalidDocument(problems: { path: string; message: string }[]) {
  return { error: "targets document is invalid", code: "invalid_targets", problems };
}

/** The 400 for a masked value (`whsec_…LaSw`, `…k3Jq`) at `path` that stands for nothing `who` has stored. */
function maskedValueRefusal(path: string, who: string) {
  return invalidDocument([
    {
      path,
      message: `a masked value keeps the stored one, but ${who} has no stored value here that it stands for: enter the value itself`,
    },
  ]);
}

/** The JSON lines the relay logged, parsed. */
function logged(spy: { mock: { calls: unknown[][] } }) {
  return spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
}

let logSpy: MockInstance<typeof console.log>;

beforeEach(async () => {
  await env.RELAY_CONFIG.delete("targets");
  logSpy = vi.spyOn(console, "log").mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("admin auth on /admin/targets", () => {
  it.each([
    ["GET", get({})],
    ["PUT", put(JSON.stringify(VALID), {})],
  ])("%s without a bearer token is 401 and does nothing", async (_method, request) => {
    const { response } = await callWorker(request);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="meeting-relay admin"');
    expect(await response.json()).toEqual({
      error:
        "missing or wrong admin bearer token: send Authorization: Bearer <ADMIN_TOKEN> (set with npx wrangler secret put ADMIN_TOKEN; locally in .dev.vars)",
      code: "unauthorized",
    });
    expect(await env.RELAY_CONFIG.get("targets")).toBeNull();
  });

  it("a wrong token is 401", async () => {
    const { response } = await callWorker(put(JSON.stringify(VALID), { authorization: "Bearer not-the-token" }));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error:
        "missing or wrong admin bearer token: send Authorization: Bearer <ADMIN_TOKEN> (set with npx wrangler secret put ADMIN_TOKEN; locally in .dev.vars)",
      code: "unauthorized",
    });
    expect(await env.RELAY_CONFIG.get("targets")).toBeNull();
  });

  it("a token in another scheme is 401", async () => {
    const { response } = await callWorker(get({ authorization: `Basic ${TEST_BINDINGS.ADMIN_TOKEN}` }));
    expect(response.status).toBe(401);
  });

  it("with an ADMIN_TOKEN shorter than 32 characters the admin API is off: 503 saying why, even with that token", async () => {
    const short = "short-admin-token-0123456789abc";
    expect(short).toHaveLength(31);
    const { response } = await callWorker(put(JSON.stringify(VALID), { authorization: `Bearer ${short}` }), {
      ADMIN_TOKEN: short,
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error:
        "the admin API is disabled: ADMIN_TOKEN is shorter than 32 characters; set a longer one with npx wrangler secret put ADMIN_TOKEN",
      code: "admin_disabled",
    });
    expect(await env.RELAY_CONFIG.get("targets")).toBeNull();
    const exact = "x".repeat(32);
    const { response: allowed } = await callWorker(get({ authorization: `Bearer ${exact}` }), { ADMIN_TOKEN: exact });
    expect(allowed.status).toBe(200);
  });

  it("with ADMIN_TOKEN unset the admin API is off: 503, even with a token", async () => {
    const { response } = await callWorker(put(JSON.stringify(VALID)), { ADMIN_TOKEN: undefined });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "the admin API is disabled: ADMIN_TOKEN is not set",
      code: "admin_disabled",
    });
    expect(await env.RELAY_CONFIG.get("targets")).toBeNull();
  });
});

describe("GET /admin/targets", () => {
  it("is [] when no document is stored", async () => {
    const { response } = await callWorker(get());
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual([]);
  });

  // An invalid stored document: see "GET /admin/targets of an invalid stored document" below.
});

describe("PUT /admin/targets", () => {
  it("stores a valid document in RELAY_CONFIG `targets` and answers it masked; GET then returns it masked", async () => {
    const masked = [{ ...VALID[0], secret: "whsec_…LaSw", headers: { "x-api-key": "…alue" } }, VALID[1]];
    const { response } = await callWorker(put(JSON.stringify(VALID)));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(masked);
    expect(await storedTargets()).toEqual(VALID);

    const { response: read } = await callWorker(get());
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(masked);
  });

  it("replaces the previous document, and an empty array clears it", async () => {
    await callWorker(put(JSON.stringify(VALID)));
    aSecondPasses();
    const { response } = await callWorker(put("[]"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
    expect(await env.RELAY_CONFIG.get("targets")).toBe("[]\n");
  });

  it("makes this isolate's loader read the new document at once (no 5 s wait)", async () => {
    const options = { allowInsecureTargets: true };
    const now = Date.now();
    expect(await loadTargets(env, options, now)).toEqual({ ok: true, targets: [] });
    await callWorker(put(JSON.stringify(VALID)));
    expect(await loadTargets(env, options, now)).toEqual({ ok: true, targets: VALID });
  });

  it("rejects an invalid document with every problem and its JSON path, and changes nothing", async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify(VALID));
    const invalid = [
      { id: "crm", url: "https://a.example.com", secret: "whsec_short" },
      { id: "crm", url: "http://b.example.com", providers: ["zoom"] },
      { url: "https://c.example.com", colour: "blue" },
    ];
    const { response } = await callWorker(put(JSON.stringify(invalid)));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(
      invalidDocument([
        { path: "$[0].secret", message: "secret must be whsec_ followed by at least 16 base64 characters" },
        {
          path: "$[1].providers[0]",
          message: 'unknown provider "zoom" (known: tencent-meeting, huawei-meeting, yunhuni, tencent-whiteboard)',
        },
        { path: "$[1].id", message: 'duplicate id "crm"' },
        {
          path: "$[1].url",
          message: "url must use https:// (http:// is allowed only for localhost with ALLOW_INSECURE_TARGETS=true)",
        },
        { path: "$[2].id", message: "id is required" },
        {
          path: "$[2].colour",
          message:
            'unknown field "colour" (allowed: id, url, kind, secret, types, providers, headers, timeoutMs, enabled)',
        },
      ]),
    );
    expect(await storedTargets()).toEqual(VALID);
  });

  it("refuses a document of more than 200 targets with 400 saying so, and changes nothing; 200 are stored", async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify(VALID));
    const many = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ id: `t${i}`, url: `https://t${i}.example.com/in` }));
    const { response } = await callWorker(put(JSON.stringify(many(201))));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(
      invalidDocument([{ path: "$", message: "targets document lists 201 targets; the relay takes at most 200" }]),
    );
    expect(await storedTargets()).toEqual(VALID);

    const { response: stored } = await callWorker(put(JSON.stringify(many(200))));
    expect(stored.status).toBe(200);
    expect(await storedTargets()).toEqual(many(200));
  });

  it("refuses a document nested thousands deep with 400 invalid_targets, stores nothing, enqueues nothing", async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify(VALID));
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    for (const body of [deep, `[{"id":"crm","url":"https://crm.example.com/in","secret":"whsec_…LaSw","x":${deep}}]`]) {
      const { response, calls } = await callWorker(put(body));
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual(
        invalidDocument([{ path: "$", message: "targets document nests JSON deeper than 64 levels" }]),
      );
      expect(calls).toEqual([]);
    }
    expect(await storedTargets()).toEqual(VALID);
  });

  it("refuses headers given as an array (their indexes would be sent as header names), and changes nothing", async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify(VALID));
    const document = [{ id: "crm", url: "https://crm.example.com/in", headers: ["x-api-key: k3Jq-abcdef"] }];
    const { response, calls } = await callWorker(put(JSON.stringify(document)));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(
      invalidDocument([{ path: "$[0].headers", message: 'headers must be an object such as {"x-api-key": "…"}' }]),
    );
    expect(calls).toEqual([]);
    expect(await storedTargets()).toEqual(VALID);
  });

  it.each([
    ["headers", "constructor", '"headers":{"constructor":"abc123","x-tenant":"acme"}'],
    ["headers", "__proto__", '"headers":{"__proto__":"abc123","x-tenant":"acme"}'],
    ["templates", "constructor", '"kind":"slack","templates":{"constructor":"hi","meeting.*":"yo"}'],
    ["templates", "prototype", '"kind":"slack","templates":{"prototype":"hi"}'],
  ])(
    "refuses %s naming %j (the schema would drop it without a word), and changes nothing",
    async (field, name, members) => {
      await env.RELAY_CONFIG.put("targets", JSON.stringify(VALID));
      const url = field === "templates" ? "https://hooks.slack.com/services/T0/B0/tok" : "https://crm.example.com/in";
      // Written as text: `__proto__` in an object literal would set its prototype instead of a member.
      const { response, calls } = await callWorker(put(`[{"id":"crm","url":"${url}",${members}}]`));
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual(
        invalidDocument([{ path: `$[0].${field}`, message: `${field} may not name "${name}"` }]),
      );
      expect(calls).toEqual([]);
      expect(await storedTargets()).toEqual(VALID);
    },
  );

  it("refuses a reserved header with 400 naming it, and changes nothing", async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify(VALID));
    const { response } = await callWorker(
      put(JSON.stringify([{ id: "crm", url: "https://crm.example.com/in", headers: { "Webhook-Signature": "v1,x" } }])),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(
      invalidDocument([
        {
          path: '$[0].headers["Webhook-Signature"]',
          message:
            'header "Webhook-Signature" is set by the relay and cannot be overridden (reserved: content-type, content-length, host, transfer-encoding, user-agent, webhook-*)',
        },
      ]),
    );
    expect(await storedTargets()).toEqual(VALID);
  });

  it("stores a target with an array of secrets", async () => {
    const rotating = [
      { id: "crm", url: "https://crm.example.com/in", secret: [SECRET, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"] },
    ];
    const { response } = await callWorker(put(JSON.stringify(rotating)));
    expect(response.status).toBe(200);
    expect(await storedTargets()).toEqual(rotating);
  });

  it("honours ALLOW_INSECURE_TARGETS: http://127.0.0.1 is refused when it is not true", async () => {
    const { response } = await callWorker(put(JSON.stringify(VALID)), { ALLOW_INSECURE_TARGETS: "false" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(
      invalidDocument([
        { path: "$[1].url", message: "http:// targets need ALLOW_INSECURE_TARGETS=true (local development only)" },
      ]),
    );
    expect(await env.RELAY_CONFIG.get("targets")).toBeNull();
  });

  it("rejects a document that is not an array", async () => {
    const { response } = await callWorker(put(JSON.stringify({ targets: VALID })));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(
      invalidDocument([{ path: "$", message: "the targets document must be a JSON array of targets, got an object" }]),
    );
  });

  it("rejects a body that is not JSON with 400, without quoting it, and changes nothing", async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify(VALID));
    const { response } = await callWorker(put('nope [{"id": "crm", "secret": "whsec_'));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string };
    expect(body.error).toMatch(/^request body is not valid JSON: /);
    expect(body.error).not.toContain("whsec_");
    expect(await storedTargets()).toEqual(VALID);
  });

  it("answers a syntax error right after a secret with its line and column only: never the secret, in the answer or the log", async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify(VALID));
    const secret = "whsec_FAKEsyntaxErrorSecret0123456789";
    const text = `[\n  {"id": "crm", "url": "https://crm.example.com/in", "secret": ["${secret}",]}\n]`;
    const { response } = await callWorker(put(text));
    const answer = await response.text();
    expect(response.status).toBe(400);
    expect(JSON.parse(answer)).toEqual({
      error: "request body is not valid JSON: line 2, column 105",
      code: "invalid_json",
    });
    for (const part of [secret, secret.slice(-6)]) {
      expect(answer).not.toContain(part);
      expect(JSON.stringify(logSpy.mock.calls)).not.toContain(part);
    }
    expect(await storedTargets()).toEqual(VALID);
  });

  it("rejects an empty body with 400", async () => {
    const { response } = await callWorker(put(""));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: expect.stringMatching(/^request body is not valid JSON: /),
      code: "invalid_json",
    });
  });

  it("rejects a body over 1 MiB with 413", async () => {
    const huge = JSON.stringify([{ id: "a", url: "https://a.example", headers: { x: "y".repeat(1024 * 1024) } }]);
    const { response } = await callWorker(put(huge));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: "targets document exceeds 1048576 bytes",
      code: "payload_too_large",
    });
    expect(await env.RELAY_CONFIG.get("targets")).toBeNull();
  });
});

describe("admin request logs", () => {
  it("writes one JSON line per admin request, with status and outcome, never the token or a secret", async () => {
    await callWorker(put(JSON.stringify(VALID)));
    await callWorker(put("[{}]"));
    await callWorker(get({ authorization: "Bearer wrong-token-value" }));
    await callWorker(get());

    const lines = logged(logSpy).filter((line) => line.kind === "admin");
    expect(lines).toEqual([
      expect.objectContaining({
        method: "PUT",
        path: "/admin/targets",
        status: 200,
        outcome: "ok",
        targets: ["crm", "sink"],
      }),
      expect.objectContaining({ method: "PUT", path: "/admin/targets", status: 400, outcome: "failed", problems: 2 }),
      expect.objectContaining({
        method: "GET",
        path: "/admin/targets",
        status: 401,
        outcome: "failed",
        reason:
          "missing or wrong admin bearer token: send Authorization: Bearer <ADMIN_TOKEN> (set with npx wrangler secret put ADMIN_TOKEN; locally in .dev.vars)",
      }),
      expect.objectContaining({ method: "GET", path: "/admin/targets", status: 200, outcome: "ok" }),
    ]);
    for (const line of lines) expect(line.durationMs).toEqual(expect.any(Number));
    const all = JSON.stringify(logSpy.mock.calls);
    expect(all).not.toContain(TEST_BINDINGS.ADMIN_TOKEN);
    expect(all).not.toContain("wrong-token-value");
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain("api-key-value");
  });
});

describe("secrets are write-only", () => {
  const STORED = [
    {
      id: "crm",
      url: "https://crm.example.com/in",
      secret: SECRET,
      headers: { "x-api-key": "api-key-value", Authorization: "Bearer tok_0123456789k3Jq", "x-short": "abcd" },
    },
    { id: "erp", url: "https://erp.example.com/in", secret: [SECRET, OLD_SECRET] },
    { id: "sink", url: "http://127.0.0.1:9000/events" },
  ];
  const MASKED = [
    {
      id: "crm",
      url: "https://crm.example.com/in",
      secret: "whsec_…LaSw",
      headers: { "x-api-key": "…alue", Authorization: "…k3Jq", "x-short": "…" },
    },
    { id: "erp", url: "https://erp.example.com/in", secret: ["whsec_…LaSw", "whsec_…b7oD"] },
    { id: "sink", url: "http://127.0.0.1:9000/events" },
  ];

  beforeEach(async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify(STORED));
  });

  it("GET masks every secret, each secret of an array, and every header value", async () => {
    const { response } = await callWorker(get());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(MASKED);
  });

  it("PUT of the GET answer with one change keeps every secret: KV holds the originals", async () => {
    const { response: read } = await callWorker(get());
    const edited = (await read.json()) as typeof MASKED;
    (edited[1] as Record<string, unknown>).timeoutMs = 5000;
    const { response } = await callWorker(put(JSON.stringify(edited, null, 2)));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(edited);
    expect(await storedTargets()).toEqual([STORED[0], { ...STORED[1], timeoutMs: 5000 }, STORED[2]]);
  });

  it("a rotation keeps the masked secret wherever it moves in the array, and stores the new one", async () => {
    const rotated: Record<string, unknown>[] = structuredClone(MASKED);
    rotated[0] = { ...MASKED[0], secret: [THIRD_SECRET, "whsec_…LaSw"] };
    rotated[1] = { ...MASKED[1], secret: ["whsec_…b7oD"] };
    const { response } = await callWorker(put(JSON.stringify(rotated)));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      { ...MASKED[0], secret: ["whsec_…MDAx", "whsec_…LaSw"] },
      { ...MASKED[1], secret: ["whsec_…b7oD"] },
      MASKED[2],
    ]);
    expect(await storedTargets()).toEqual([
      { ...STORED[0], secret: [THIRD_SECRET, SECRET] },
      { ...STORED[1], secret: [OLD_SECRET] },
      STORED[2],
    ]);
  });

  it("matches a masked header value by the header's name in any case", async () => {
    const renamed: Record<string, unknown>[] = structuredClone(MASKED);
    renamed[0] = { ...MASKED[0], headers: { "X-API-KEY": "…alue" } };
    const { response } = await callWorker(put(JSON.stringify(renamed)));
    expect(response.status).toBe(200);
    expect((await storedTargets())[0].headers).toEqual({ "X-API-KEY": "api-key-value" });
  });

  it.each([
    [
      "a target id with no stored value",
      { id: "new", url: "https://new.example.com/in", secret: "whsec_…LaSw" },
      "$[0].secret",
      'target "new"',
    ],
    ["a mask that stands for no stored value", { ...MASKED[0], secret: "whsec_…Zzzz" }, "$[0].secret", 'target "crm"'],
    [
      "a header whose stored value masks otherwise",
      { ...MASKED[0], headers: { "x-api-key": "…k3Jq" } },
      '$[0].headers["x-api-key"]',
      'target "crm"',
    ],
    ["a secret masked as a header was", { ...MASKED[1], secret: ["…alue"] }, "$[0].secret[0]", 'target "erp"'],
  ])("refuses %s with 400 naming the field, and changes nothing", async (_, target, path, who) => {
    const { response } = await callWorker(put(JSON.stringify([target])));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(maskedValueRefusal(path, who));
    expect(await storedTargets()).toEqual(STORED);
  });

  it("lists a masked value's problem with the document's other problems", async () => {
    const { response } = await callWorker(
      put(JSON.stringify([{ id: "new", url: "ftp://x.example.com", secret: "whsec_…LaSw" }])),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual([
      "$[0].secret",
      "$[0].url",
    ]);
  });
});

describe("chat URL tokens are write-only", () => {
  const CHAT = [
    {
      id: "fs",
      kind: "feishu",
      url: "https://open.feishu.cn/open-apis/bot/v2/hook/fs-token-2c7d9a41e6b84f0f",
      secret: "fs-secret-qX9w2LmN7pR4tV8y",
    },
    { id: "dt", kind: "dingtalk", url: "https://oapi.dingtalk.com/robot/send?access_token=dt-token-5b3e1c8f0a7d4e29" },
    { id: "wc", kind: "wecom", url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wc-key-693a91f6&debug=1" },
    { id: "sl", kind: "slack", url: "https://hooks.slack.com/services/T000/B000/sl-token-XXXXab12" },
    { id: "hook", url: "https://crm.example.com/hook/not-a-token" },
  ];
  const MASKED_CHAT = [
    { ...CHAT[0], url: "https://open.feishu.cn/open-apis/bot/v2/hook/…4f0f", secret: "…tV8y" },
    { ...CHAT[1], url: "https://oapi.dingtalk.com/robot/send?access_token=…4e29" },
    { ...CHAT[2], url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…91f6&debug=1" },
    { ...CHAT[3], url: "https://hooks.slack.com/services/T000/B000/…ab12" },
    CHAT[4],
  ];

  beforeEach(async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify(CHAT));
  });

  it("GET masks the token part of each chat kind's URL (and a webhook's URL not at all)", async () => {
    const { response } = await callWorker(get());
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual(MASKED_CHAT);
    for (const token of [
      "fs-token-2c7d9a41e6b84f0f",
      "dt-token-5b3e1c8f0a7d4e29",
      "wc-key-693a91f6",
      "sl-token-XXXXab12",
    ]) {
      expect(text).not.toContain(token);
    }
  });

  it("PUT of the GET answer keeps every stored URL; a new URL replaces the stored one", async () => {
    const edited = structuredClone(MASKED_CHAT) as Record<string, unknown>[];
    edited[3] = { ...MASKED_CHAT[3], url: "https://hooks.slack.com/services/T000/B000/new-token-0000cd34" };
    const { response } = await callWorker(put(JSON.stringify(edited)));
    expect(response.status).toBe(200);
    const answer = await response.text();
    expect(answer).not.toContain("new-token-0000cd34");
    expect(JSON.parse(answer)[3].url).toBe("https://hooks.slack.com/services/T000/B000/…cd34");
    expect(await storedTargets()).toEqual([
      CHAT[0],
      CHAT[1],
      CHAT[2],
      { ...CHAT[3], url: "https://hooks.slack.com/services/T000/B000/new-token-0000cd34" },
      CHAT[4],
    ]);
  });

  it.each([
    ["a path", "https://bots.example.com/feishu/team-7f3a9c2e51d84b60", "https://bots.example.com/…4b60"],
    ["a query", "https://bots.example.com?bot=slack&token=9d1e7b3a0c5f2e84", "https://bots.example.com?…2e84"],
  ])(
    "masks all past the host of a chat URL of another shape, with %s, and PUT of it keeps the URL",
    async (_, url, masked) => {
      const proxied = [{ id: "fs", kind: "feishu", url, secret: "fs-secret-qX9w2LmN7pR4tV8y" }];
      await env.RELAY_CONFIG.put("targets", JSON.stringify(proxied));
      const { response } = await callWorker(get());
      const shown = (await response.json()) as Record<string, unknown>[];
      expect(shown).toEqual([{ ...proxied[0], url: masked, secret: "…tV8y" }]);
      const { response: putAnswer } = await callWorker(put(JSON.stringify(shown)));
      expect(putAnswer.status).toBe(200);
      expect(await storedTargets()).toEqual(proxied);
    },
  );

  it("refuses a masked URL token that stands for nothing stored, and changes nothing", async () => {
    const target = { id: "other", kind: "wecom", url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…91f6" };
    const { response } = await callWorker(put(JSON.stringify([target])));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(maskedValueRefusal("$[0].url", 'target "other"'));
    expect(await storedTargets()).toEqual(CHAT);
  });
});

describe("GET /admin/targets of an invalid stored document", () => {
  const CHAT_URL = "https://hooks.slack.com/services/T000/B000/slackTokenValue123";

  beforeEach(async () => {
    forgetWaiting();
    await env.RELAY_STATE.delete(WAITING_KEY);
  });

  /** GET with `stored` as the stored text: a 200 marked X-Targets-Invalid that enqueues nothing; its body. */
  async function getInvalid(stored: string) {
    await env.RELAY_CONFIG.put("targets", stored);
    const { response, calls } = await callWorker(get());
    expect(response.status).toBe(200);
    expect(response.headers.get("x-targets-invalid")).toBe("1");
    expect(calls).toEqual([]);
    return response.json();
  }

  it("masks a chat URL token of a text that does not parse, whatever order the target's members come in", async () => {
    const token = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    const stored = `[\n  {"kind": "feishu", "id": "team", "url": "https://open.feishu.cn/open-apis/bot/v2/hook/${token}"},\n]\n`;
    const body = await getInvalid(stored);
    expect((body as { text: string }).text).toBe(stored.replace(`/open-apis/bot/v2/hook/${token}`, "/…"));
  });

  it("masks every header value of a text that does not parse, even after a value holding }", async () => {
    const key = "sk_live_9f8e7d6c5b4a39281706";
    const stored = `[\n  {"id": "crm", "url": "https://crm.example.com/h", "headers": {"x-tag": "a}b", "x-api-key": "${key}"}},\n]\n`;
    const body = await getInvalid(stored);
    expect((body as { text: string }).text).toBe(stored.replace('"a}b"', '"…"').replace(key, "…1706"));
  });

  it("shows a stored document nested thousands deep as stored, masked, with its one problem at the start", async () => {
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const stored = `[{"id":"crm","url":"https://crm.example.com/in","secret":"${SECRET}","x":${deep}}]`;
    const body = await getInvalid(stored);
    expect(body).toEqual({
      invalid: true,
      text: stored.replace(SECRET, "whsec_…LaSw"),
      problems: [{ path: "$", line: 1, column: 1, message: "targets document nests JSON deeper than 64 levels" }],
      waiting: null,
    });
    // Deliveries wait for a valid document instead of failing on this one.
    expect(await loadTargets(env, { allowInsecureTargets: true }, Date.now() + 60_000)).toEqual({
      ok: false,
      problems: [{ path: "$", message: "targets document nests JSON deeper than 64 levels" }],
    });
  });

  it("answers 200 marked X-Targets-Invalid with the text masked, each problem on its line, nothing enqueued", async () => {
    const stored = [
      { id: "crm", url: "https://crm.example.com/in", secret: SECRET, headers: { "x-api-key": "api-key-value" } },
      { id: "Bad Id", url: "ftp://example.com/in" },
    ];
    const body = await getInvalid(JSON.stringify(stored));
    const text = [
      "[",
      "  {",
      '    "id": "crm",',
      '    "url": "https://crm.example.com/in",',
      '    "secret": "whsec_…LaSw",',
      '    "headers": {',
      '      "x-api-key": "…alue"',
      "    }",
      "  },",
      "  {",
      '    "id": "Bad Id",',
      '    "url": "ftp://example.com/in"',
      "  }",
      "]",
      "",
    ].join("\n");
    expect(body).toEqual({
      invalid: true,
      text,
      problems: [
        {
          path: "$[1].id",
          line: 11,
          column: 5,
          message: 'id must be 1 to 64 characters of a-z, 0-9, _ and -, got "Bad Id"',
        },
        { path: "$[1].url", line: 12, column: 5, message: "url must use https://, got ftp:" },
      ],
      waiting: null,
    });
    expect(JSON.stringify(body)).not.toContain(SECRET);
    expect(JSON.stringify(body)).not.toContain("api-key-value");
  });

  it.each(["feishuu", "Slack", ""])(
    "masks all past the host of the URL of a target of unknown kind %j",
    async (kind) => {
      const token = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
      const url = `https://open.feishu.cn/open-apis/bot/v2/hook/${token}`;
      const body = (await getInvalid(JSON.stringify([{ id: "team", kind, url }]))) as { text: string };
      expect(body.text).not.toContain(token);
      expect(JSON.parse(body.text)).toEqual([{ id: "team", kind, url: "https://open.feishu.cn/…e1f0" }]);
    },
  );

  it("answers a text that is not JSON masked by pattern, its lines kept, the problem at the syntax error", async () => {
    const stored = [
      "[",
      `  { "id": "crm", "url": "https://crm.example.com/in", "secret": ${JSON.stringify(SECRET)},`,
      '    "headers": { "Authorization": "Bearer tok_0123456789k3Jq" } },',
      `  { "id": "ops", "kind": "slack", "url": ${JSON.stringify(CHAT_URL)}, "secret": ["${OLD_SECRET}"] },`,
      "]",
      "",
    ].join("\n");
    const body = await getInvalid(stored);
    expect(body).toEqual({
      invalid: true,
      text: [
        "[",
        '  { "id": "crm", "url": "https://crm.example.com/in", "secret": "whsec_…LaSw",',
        '    "headers": { "Authorization": "…k3Jq" } },',
        '  { "id": "ops", "kind": "slack", "url": "https://hooks.slack.com/…", "secret": ["whsec_…b7oD"] },',
        "]",
        "",
      ].join("\n"),
      problems: [{ path: "$", line: 5, column: 1, message: "targets is not valid JSON: line 5, column 1" }],
      waiting: null,
    });
    for (const secret of [SECRET, OLD_SECRET, "tok_0123456789", "slackTokenValue123"]) {
      expect(JSON.stringify(body)).not.toContain(secret);
    }
  });

  it("says how many deliveries wait for a valid document and since when, as the consumer noted them", async () => {
    await env.RELAY_CONFIG.put("targets", "[{");
    const first = new Date("2026-12-04T10:00:00.000Z");
    const later = new Date("2026-12-04T10:05:00.000Z");
    const now = Date.parse("2026-12-04T10:06:00.000Z");
    const messages = [
      { id: "m1", timestamp: later },
      { id: "m2", timestamp: first },
      { id: "m3", timestamp: later },
    ];
    await noteWaiting(env.RELAY_STATE, messages, 30_000, now);
    // Within 10 s of its last write an isolate only remembers (one KV write per 10 s, not per batch).
    await noteWaiting(env.RELAY_STATE, [{ id: "m4", timestamp: later }], 30_000, now + 1_000);
    const { response } = await callWorker(get());
    expect(response.status).toBe(200);
    expect(((await response.json()) as { waiting: unknown }).waiting).toEqual({
      count: 3,
      since: "2026-12-04T10:00:00.000Z",
      approximate: true,
    });
  });

  it("a valid document still answers the plain array, without the header", async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify([{ id: "sink", url: "http://127.0.0.1:9000/events" }]));
    const { response } = await callWorker(get());
    expect(response.status).toBe(200);
    expect(response.headers.get("x-targets-invalid")).toBeNull();
    expect(await response.json()).toEqual([{ id: "sink", url: "http://127.0.0.1:9000/events" }]);
  });

  it("PUT of the fixed text keeps the stored secrets, even when the stored text was not JSON", async () => {
    const stored = `[{ "id": "crm", "url": "https://crm.example.com/in", "secret": ${JSON.stringify(SECRET)} },]`;
    await env.RELAY_CONFIG.put("targets", stored);
    const { text } = (await (await callWorker(get())).response.json()) as { text: string };
    const { response } = await callWorker(put(text.replace("},]", "}]")));
    expect(response.status).toBe(200);
    expect(await storedTargets()).toEqual([{ id: "crm", url: "https://crm.example.com/in", secret: SECRET }]);
  });
});
