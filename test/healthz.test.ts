import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("GET /healthz", () => {
  it("reports the version and which providers are configured, never a secret", async () => {
    const response = await exports.default.fetch("http://relay.test/healthz");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({
      ok: true,
      providers: { "tencent-meeting": true },
      accounts: { "tencent-meeting": ["acme"] },
    });
    expect(JSON.stringify(body)).not.toContain(env.TENCENT_MEETING_TOKEN);
  });
});
