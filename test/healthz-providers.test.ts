import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
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

describe("GET /healthz: Huawei Meeting, Yunhuni, Tencent Whiteboard", () => {
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
