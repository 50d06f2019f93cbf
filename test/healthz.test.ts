import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "./support/bindings";
import { callWorker } from "./support/worker";

describe("GET /healthz", () => {
  it("reports the version and which providers are configured, never a secret", async () => {
    const response = await exports.default.fetch("http://relay.test/healthz");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      ok: true,
      providers: { "tencent-meeting": true },
      accounts: { "tencent-meeting": 1 },
    });
    expect(JSON.stringify(body)).not.toContain(env.TENCENT_MEETING_TOKEN);
  });

  it("counts accounts without naming them", async () => {
    const response = await exports.default.fetch("http://relay.test/healthz");
    const text = await response.text();
    expect(JSON.parse(text).accounts).toEqual({
      "tencent-meeting": 1,
      "huawei-meeting": 1,
      yunhuni: 1,
      "tencent-whiteboard": 1,
    });
    expect(text).not.toContain("acme");
  });
});

describe("GET /healthz: Tencent Meeting encryption", () => {
  it("says whether the platform route's EncodingAESKey is set, never the key nor an account route", async () => {
    const response = await exports.default.fetch("http://relay.test/healthz");
    const body = await response.json();
    expect(body).toMatchObject({ encryption: { "/webhooks/tencent-meeting": false } });
    expect(JSON.stringify(body)).not.toContain("acme");
    expect(JSON.stringify(body)).not.toContain(TEST_BINDINGS.TENCENT_MEETING_ENCODING_AES_KEY_ACME);
  });

  it("still answers 200 when an EncodingAESKey is malformed (the route itself answers 503 naming it)", async () => {
    const { response } = await callWorker(new Request("http://relay.test/healthz"), {
      TENCENT_MEETING_ENCODING_AES_KEY: "too-short",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      providers: { "tencent-meeting": true },
      encryption: { "/webhooks/tencent-meeting": true },
    });
  });
});
