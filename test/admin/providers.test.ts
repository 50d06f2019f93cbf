import { describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../support/bindings";
import { callWorker } from "../support/worker";

const AUTH = { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` };

function getProviders(headers: Record<string, string> = AUTH, overrides: Record<string, unknown> = {}) {
  return callWorker(new Request("https://relay.example.com/admin/providers", { headers }), overrides);
}

describe("GET /admin/providers", () => {
  it("lists each provider's path, accounts and which credentials are set, by full name", async () => {
    const { response } = await getProviders();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      providers: {
        "tencent-meeting": {
          configured: true,
          path: "/webhooks/tencent-meeting",
          credentials: { TENCENT_MEETING_TOKEN: true, TENCENT_MEETING_ENCODING_AES_KEY: false },
          accounts: [
            {
              name: "acme",
              path: "/webhooks/tencent-meeting/acme",
              configured: true,
              credentials: { TENCENT_MEETING_TOKEN_ACME: true, TENCENT_MEETING_ENCODING_AES_KEY_ACME: true },
            },
          ],
        },
        "huawei-meeting": {
          configured: true,
          path: "/webhooks/huawei-meeting",
          credentials: { HUAWEI_MEETING_APP_ID: true, HUAWEI_MEETING_APP_KEY: true },
          accounts: [
            {
              name: "acme",
              path: "/webhooks/huawei-meeting/acme",
              configured: true,
              credentials: { HUAWEI_MEETING_APP_ID_ACME: true, HUAWEI_MEETING_APP_KEY_ACME: true },
            },
          ],
        },
        yunhuni: {
          configured: true,
          path: "/webhooks/yunhuni",
          credentials: { YUNHUNI_TOKEN: true, YUNHUNI_ALLOWED_IPS: false },
          accounts: [
            {
              name: "acme",
              path: "/webhooks/yunhuni/acme",
              configured: true,
              credentials: { YUNHUNI_TOKEN_ACME: true, YUNHUNI_ALLOWED_IPS_ACME: false },
            },
          ],
        },
        "tencent-whiteboard": {
          configured: true,
          path: "/webhooks/tencent-whiteboard",
          credentials: { TIW_CALLBACK_KEY: true },
          accounts: [
            {
              name: "acme",
              path: "/webhooks/tencent-whiteboard/acme",
              configured: true,
              credentials: { TIW_CALLBACK_KEY_ACME: true },
            },
          ],
        },
      },
    });
  });

  it("lists an account with only some credentials set as not configured, naming what is set", async () => {
    const { response } = await getProviders(AUTH, { YUNHUNI_ALLOWED_IPS_BETA: "198.51.100.7", YUNHUNI_TOKEN: "" });
    const body = (await response.json()) as { providers: Record<string, unknown> };
    expect(body.providers.yunhuni).toEqual({
      configured: false,
      path: "/webhooks/yunhuni",
      credentials: { YUNHUNI_TOKEN: false, YUNHUNI_ALLOWED_IPS: false },
      accounts: [
        {
          name: "acme",
          path: "/webhooks/yunhuni/acme",
          configured: true,
          credentials: { YUNHUNI_TOKEN_ACME: true, YUNHUNI_ALLOWED_IPS_ACME: false },
        },
        {
          name: "beta",
          path: "/webhooks/yunhuni/beta",
          configured: false,
          credentials: { YUNHUNI_TOKEN_BETA: false, YUNHUNI_ALLOWED_IPS_BETA: true },
        },
      ],
    });
  });

  it("does not take a previous value being rotated for an account", async () => {
    const { response } = await getProviders(AUTH, { YUNHUNI_TOKEN_PREVIOUS: "yunhuni-token-previous-0001" });
    const body = (await response.json()) as { providers: Record<string, { accounts: { name: string }[] }> };
    expect(body.providers.yunhuni?.accounts.map((account) => account.name)).toEqual(["acme"]);
  });

  it("lists a previous value by name while one is set, never its value", async () => {
    const { response } = await getProviders(AUTH, {
      TENCENT_MEETING_TOKEN_PREVIOUS: "tmtoken-previous-000000001",
      TENCENT_MEETING_TOKEN_ACME_PREVIOUS: "tmtoken-acme-previous-0001",
    });
    const text = await response.text();
    const body = JSON.parse(text) as {
      providers: Record<string, { credentials: object; accounts: { name: string; credentials: object }[] }>;
    };
    expect(body.providers["tencent-meeting"]?.credentials).toEqual({
      TENCENT_MEETING_TOKEN: true,
      TENCENT_MEETING_TOKEN_PREVIOUS: true,
      TENCENT_MEETING_ENCODING_AES_KEY: false,
    });
    expect(body.providers["tencent-meeting"]?.accounts[0]?.credentials).toMatchObject({
      TENCENT_MEETING_TOKEN_ACME_PREVIOUS: true,
    });
    expect(text).not.toContain("previous-0");
  });

  it("lists a previous EncodingAESKey by name while one is set, like every other rotated secret", async () => {
    const previousKey = "OldEncodingAesKey00000000000000000000000Acm";
    const { response } = await getProviders(AUTH, { TENCENT_MEETING_ENCODING_AES_KEY_ACME_PREVIOUS: previousKey });
    const text = await response.text();
    const body = JSON.parse(text) as {
      providers: Record<string, { accounts: { name: string; credentials: object }[] }>;
    };
    expect(body.providers["tencent-meeting"]?.accounts).toEqual([
      expect.objectContaining({
        name: "acme",
        credentials: {
          TENCENT_MEETING_TOKEN_ACME: true,
          TENCENT_MEETING_ENCODING_AES_KEY_ACME: true,
          TENCENT_MEETING_ENCODING_AES_KEY_ACME_PREVIOUS: true,
        },
      }),
    ]);
    expect(text).not.toContain(previousKey);
  });

  it("never answers a credential's value", async () => {
    const { response } = await getProviders(AUTH, { YUNHUNI_ALLOWED_IPS: "198.51.100.7" });
    const text = await response.text();
    for (const [name, value] of Object.entries(TEST_BINDINGS)) {
      if (name !== "ALLOW_INSECURE_TARGETS") expect(text).not.toContain(value);
    }
    expect(text).not.toContain("198.51.100.7");
  });

  it.each([
    ["no bearer token", {}],
    ["a wrong bearer token", { authorization: "Bearer wrong" }],
  ])("answers 401 for %s, naming no account", async (_, headers) => {
    const { response } = await getProviders(headers);
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain("acme");
  });
});
