/// <reference types="vite/client" />
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import adminApiDoc from "../../docs/admin-api.md?raw";
import { describeError, ERROR_CODES, RelayError, SettingsError } from "../../src/core/errors";
import { TEST_BINDINGS } from "../support/bindings";
import { callWorker } from "../support/worker";

const RELAY = "https://relay.example.com";
const AUTH = { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` };

/** The codes in docs/admin-api.md's "Errors" table, in order. */
function documentedCodes(): string[] {
  const section = adminApiDoc.split(/^## Errors$/m)[1]?.split(/^## /m)[0] ?? "";
  return [...section.matchAll(/^\| `([a-z_]+)` \| [0-9, ]+ \|/gm)].map((match) => match[1] ?? "");
}

describe("ERROR_CODES and docs/admin-api.md", () => {
  it("documents every code once, and no code the relay does not have", () => {
    expect(documentedCodes()).toEqual([...ERROR_CODES]);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it("names each code in snake_case", () => {
    for (const code of ERROR_CODES) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});

describe("describeError: one body for every error", () => {
  it("renders a RelayError with its code, extra fields and headers", async () => {
    const error = new RelayError(400, "invalid_targets", "targets document is invalid", {
      headers: { "x-test": "1" },
      fields: { problems: [{ path: "$", message: "must be an array" }] },
    });
    const { response, outcome } = describeError(error);
    expect(outcome).toBe("rejected");
    expect(response.status).toBe(400);
    expect(response.headers.get("x-test")).toBe("1");
    expect(await response.json()).toEqual({
      error: "targets document is invalid",
      code: "invalid_targets",
      problems: [{ path: "$", message: "must be an array" }],
    });
  });

  it("answers a configuration mistake 503 relay_misconfigured, naming the var", async () => {
    const { response, outcome } = describeError(new SettingsError("DEDUP_TTL_SECONDS must be a whole number"));
    expect(outcome).toBe("config-invalid");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "the relay is misconfigured: DEDUP_TTL_SECONDS must be a whole number",
      code: "relay_misconfigured",
    });
  });

  it("answers anything else 500 internal_error, without its message", async () => {
    const { response, outcome } = describeError(new TypeError("secret detail"));
    expect(outcome).toBe("error");
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "internal error", code: "internal_error" });
  });
});

const json = (method: string, path: string, body: string, headers: Record<string, string> = AUTH) =>
  new Request(`${RELAY}${path}`, { method, headers: { "content-type": "application/json", ...headers }, body });
const get = (path: string, headers: Record<string, string> = AUTH) => new Request(`${RELAY}${path}`, { headers });

/** One bad request per route (and a few outside every route), with the status and code it must get. */
const BAD_REQUESTS: [string, () => Request, number, string][] = [
  ["an unknown path", () => get("/nope"), 404, "not_found"],
  ["POST /healthz", () => new Request(`${RELAY}/healthz`, { method: "POST" }), 405, "method_not_allowed"],
  ["an unknown provider", () => json("POST", "/webhooks/zoom", "{}", {}), 404, "not_found"],
  ["PUT to a webhook", () => json("PUT", "/webhooks/yunhuni", "{}", {}), 405, "method_not_allowed"],
  ["a webhook without its token", () => json("POST", "/webhooks/yunhuni", "{}", {}), 401, "signature_invalid"],
  [
    "a webhook body over the limit",
    () => json("POST", "/webhooks/yunhuni", "x".repeat(256 * 1024 + 1), {}),
    413,
    "payload_too_large",
  ],
  ["an unknown console file", () => get("/console/nope.js", {}), 404, "not_found"],
  ["GET /admin/targets without a token", () => get("/admin/targets", {}), 401, "unauthorized"],
  ["PUT /admin/targets, not JSON", () => json("PUT", "/admin/targets", "{"), 400, "invalid_json"],
  ["PUT /admin/targets, invalid", () => json("PUT", "/admin/targets", "{}"), 400, "invalid_targets"],
  [
    "POST /admin/targets/<id>/pause, unknown",
    () => json("POST", "/admin/targets/nope/pause", ""),
    404,
    "unknown_target",
  ],
  [
    "POST /admin/targets/<id>/resume, unknown",
    () => json("POST", "/admin/targets/nope/resume", ""),
    404,
    "unknown_target",
  ],
  ["GET /admin/dead-letters?limit=0", () => get("/admin/dead-letters?limit=0"), 400, "invalid_query"],
  [
    "POST /admin/dead-letters/replay, not JSON",
    () => json("POST", "/admin/dead-letters/replay", "["),
    400,
    "invalid_json",
  ],
  [
    "POST /admin/dead-letters/<id>/replay, unknown",
    () => json("POST", "/admin/dead-letters/nope/replay", ""),
    404,
    "unknown_dead_letter",
  ],
  ["GET /admin/events?nope=1", () => get("/admin/events?nope=1"), 400, "invalid_query"],
  ["GET /admin/events/<id>, unknown", () => get("/admin/events/tencent-meeting:nope:0"), 404, "unknown_event"],
  [
    "POST /admin/events/<id>/redeliver, bad body",
    () => json("POST", "/admin/events/x/redeliver", "[]"),
    400,
    "invalid_body",
  ],
  ["GET /admin/stats?since=tomorrow", () => get("/admin/stats?since=tomorrow"), 400, "invalid_query"],
  [
    "POST /admin/huawei/link-config, bad account",
    () => json("POST", "/admin/huawei/link-config?account=A-B", "{}"),
    400,
    "invalid_account",
  ],
  [
    "GET /admin/providers?x=1 with a wrong token",
    () => get("/admin/providers", { authorization: "Bearer x" }),
    401,
    "unauthorized",
  ],
];

describe("every error body has a code", () => {
  beforeEach(async () => {
    await env.RELAY_CONFIG.delete("targets");
    vi.spyOn(console, "log").mockImplementation(() => {});
    return () => vi.restoreAllMocks();
  });

  it.each(BAD_REQUESTS)("%s: %i %s, nothing queued", async (_name, request, status, code) => {
    const { response, calls } = await callWorker(request());
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual(expect.objectContaining({ error: expect.any(String), code }));
    expect(calls).toEqual([]);
    expect(await env.RELAY_CONFIG.get("targets")).toBeNull();
  });
});
