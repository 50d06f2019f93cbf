import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { loadTargets } from "../../src/config/targets";
import { TEST_BINDINGS } from "../support/bindings";
import { EXAMPLE_TARGET } from "../support/targets";
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
    expect(await response.json()).toEqual({ error: "missing or wrong admin bearer token" });
    expect(await env.RELAY_CONFIG.get("targets")).toBeNull();
  });

  it("a wrong token is 401", async () => {
    const { response } = await callWorker(put(JSON.stringify(VALID), { authorization: "Bearer not-the-token" }));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "missing or wrong admin bearer token" });
    expect(await env.RELAY_CONFIG.get("targets")).toBeNull();
  });

  it("a token in another scheme is 401", async () => {
    const { response } = await callWorker(get({ authorization: `Basic ${TEST_BINDINGS.ADMIN_TOKEN}` }));
    expect(response.status).toBe(401);
  });

  it("with ADMIN_TOKEN unset the admin API is off: 503, even with a token", async () => {
    const { response } = await callWorker(put(JSON.stringify(VALID)), { ADMIN_TOKEN: undefined });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: "the admin API is disabled: ADMIN_TOKEN is not set" });
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

  it("returns a stored document even when it is invalid, so it can be fixed", async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify([{ id: "Bad Id", url: "http://example.com" }]));
    const { response } = await callWorker(get());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([{ id: "Bad Id", url: "http://example.com" }]);
  });

  it("says so when the stored text is not JSON at all", async () => {
    await env.RELAY_CONFIG.put("targets", "[{oops");
    const { response } = await callWorker(get());
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: expect.stringMatching(
        /^the stored targets document is not valid JSON \(.+\); PUT a valid one to replace it$/,
      ),
    });
  });
});

describe("PUT /admin/targets", () => {
  it("stores a valid document in RELAY_CONFIG `targets` and answers it; GET then returns it", async () => {
    const { response } = await callWorker(put(JSON.stringify(VALID)));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(VALID);
    expect(JSON.parse((await env.RELAY_CONFIG.get("targets")) ?? "null")).toEqual(VALID);

    const { response: read } = await callWorker(get());
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(VALID);
  });

  it("replaces the previous document, and an empty array clears it", async () => {
    await callWorker(put(JSON.stringify(VALID)));
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
    expect(await response.json()).toEqual({
      error: "targets document is invalid",
      problems: [
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
          message: 'unknown field "colour" (allowed: id, url, secret, types, providers, headers, timeoutMs, enabled)',
        },
      ],
    });
    expect(JSON.parse((await env.RELAY_CONFIG.get("targets")) ?? "null")).toEqual(VALID);
  });

  it("refuses a reserved header with 400 naming it, and changes nothing", async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify(VALID));
    const { response } = await callWorker(
      put(JSON.stringify([{ id: "crm", url: "https://crm.example.com/in", headers: { "Webhook-Signature": "v1,x" } }])),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "targets document is invalid",
      problems: [
        {
          path: '$[0].headers["Webhook-Signature"]',
          message:
            'header "Webhook-Signature" is set by the relay and cannot be overridden (reserved: content-type, content-length, host, transfer-encoding, user-agent, webhook-*)',
        },
      ],
    });
    expect(JSON.parse((await env.RELAY_CONFIG.get("targets")) ?? "null")).toEqual(VALID);
  });

  it("stores a target with an array of secrets", async () => {
    const rotating = [
      { id: "crm", url: "https://crm.example.com/in", secret: [SECRET, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"] },
    ];
    const { response } = await callWorker(put(JSON.stringify(rotating)));
    expect(response.status).toBe(200);
    expect(JSON.parse((await env.RELAY_CONFIG.get("targets")) ?? "null")).toEqual(rotating);
  });

  it("honours ALLOW_INSECURE_TARGETS: http://127.0.0.1 is refused when it is not true", async () => {
    const { response } = await callWorker(put(JSON.stringify(VALID)), { ALLOW_INSECURE_TARGETS: "false" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "targets document is invalid",
      problems: [
        { path: "$[1].url", message: "http:// targets need ALLOW_INSECURE_TARGETS=true (local development only)" },
      ],
    });
    expect(await env.RELAY_CONFIG.get("targets")).toBeNull();
  });

  it("rejects a document that is not an array", async () => {
    const { response } = await callWorker(put(JSON.stringify({ targets: VALID })));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "targets document is invalid",
      problems: [{ path: "$", message: "the targets document must be a JSON array of targets, got an object" }],
    });
  });

  it("rejects a body that is not JSON with 400, without quoting it, and changes nothing", async () => {
    await env.RELAY_CONFIG.put("targets", JSON.stringify(VALID));
    const { response } = await callWorker(put('nope [{"id": "crm", "secret": "whsec_'));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string };
    expect(body.error).toMatch(/^request body is not valid JSON: /);
    expect(body.error).not.toContain("whsec_");
    expect(JSON.parse((await env.RELAY_CONFIG.get("targets")) ?? "null")).toEqual(VALID);
  });

  it("rejects an empty body with 400", async () => {
    const { response } = await callWorker(put(""));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/^request body is not valid JSON: /) });
  });

  it("rejects a body over 1 MiB with 413", async () => {
    const huge = JSON.stringify([{ id: "a", url: "https://a.example", headers: { x: "y".repeat(1024 * 1024) } }]);
    const { response } = await callWorker(put(huge));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "targets document exceeds 1048576 bytes" });
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
        reason: "missing or wrong admin bearer token",
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
