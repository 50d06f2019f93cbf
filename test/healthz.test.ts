import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { version } from "../package.json";
import { TEST_BINDINGS } from "./support/bindings";
import { callWorker } from "./support/worker";

const SECRETS = [
  TEST_BINDINGS.HUAWEI_MEETING_APP_KEY,
  TEST_BINDINGS.HUAWEI_MEETING_APP_KEY_ACME,
  TEST_BINDINGS.YUNHUNI_TOKEN,
  TEST_BINDINGS.YUNHUNI_TOKEN_ACME,
  TEST_BINDINGS.TIW_CALLBACK_KEY,
  TEST_BINDINGS.TIW_CALLBACK_KEY_ACME,
];

describe("GET /healthz", () => {
  it("reports the version and which providers are configured, never a secret", async () => {
    const response = await exports.default.fetch("http://relay.test/healthz");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      ok: true,
      version,
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

  it("reports them and their accounts as configured, without a secret", async () => {
    const response = await exports.default.fetch("http://relay.test/healthz");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      providers: { "huawei-meeting": true, yunhuni: true, "tencent-whiteboard": true },
      accounts: { "huawei-meeting": 1, yunhuni: 1, "tencent-whiteboard": 1 },
    });
    const text = JSON.stringify(body);
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    expect(text).not.toContain(env.HUAWEI_MEETING_APP_ID);
  });

  it("reports a provider as unconfigured when a required credential is missing", async () => {
    const { response } = await callWorker(new Request("http://relay.test/healthz"), {
      HUAWEI_MEETING_APP_KEY: undefined,
      YUNHUNI_TOKEN: "",
      TIW_CALLBACK_KEY: undefined,
    });
    expect(await response.json()).toMatchObject({
      providers: { "huawei-meeting": false, yunhuni: false, "tencent-whiteboard": false },
    });
  });

  it("counts an account only when all of its credentials are set", async () => {
    const { response } = await callWorker(new Request("http://relay.test/healthz"), {
      HUAWEI_MEETING_APP_ID_BETA: "hw-subscriber-beta",
      YUNHUNI_TOKEN_BETA: "yunhuni-token-fake-beta",
    });
    expect(await response.json()).toMatchObject({
      accounts: { "huawei-meeting": 1, yunhuni: 2, "tencent-whiteboard": 1 },
    });
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
