import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { validateTargets } from "../../src/config/targets";
import { signWebhook } from "../../src/delivery/sign";
import { TEST_BINDINGS } from "../support/bindings";
import { callWorker } from "../support/worker";

// Bad input to the admin API gets a clear 4xx and changes nothing. A `secret` whose base64 part
// has a length of 4n + 1 characters (`whsec_` + 17 characters, say) is no base64 at all: every
// delivery to the target failed ("target configuration: target secret is not base64 after whsec_")
// until its schedule ran out, yet PUT /admin/targets stored it with a 200.

const AUTH = { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` };
const BAD = `whsec_${"A".repeat(17)}`;

function put(body: string) {
  return new Request("https://relay.example.com/admin/targets", {
    method: "PUT",
    headers: { "content-type": "application/json", ...AUTH },
    body,
  });
}

beforeEach(async () => {
  await env.RELAY_CONFIG.delete("targets");
});

describe("a webhook secret that cannot be decoded", () => {
  it("is refused by PUT with 400 at its path, and nothing is stored", async () => {
    for (const secret of [BAD, [`whsec_${"B".repeat(24)}`, BAD]]) {
      const document = [{ id: "crm", url: "https://crm.example.com/in", secret }];
      const { response } = await callWorker(put(JSON.stringify(document)));
      expect(response.status).toBe(400);
      const body = (await response.json()) as { code: string; problems: { path: string }[] };
      expect(body.code).toBe("invalid_targets");
      expect(body.problems.map((problem) => problem.path)).toEqual([
        typeof secret === "string" ? "$[0].secret" : "$[0].secret[1]",
      ]);
      expect(await env.RELAY_CONFIG.get("targets")).toBeNull();
    }
  });

  it("every secret validation accepts can sign a delivery", async () => {
    for (let length = 16; length <= 24; length++) {
      for (const padding of ["", "=", "=="]) {
        const secret = `whsec_${"Zm9v".repeat(6).slice(0, length)}${padding}`;
        const result = validateTargets([{ id: "crm", url: "https://crm.example.com/in", secret }], {
          allowInsecureTargets: false,
        });
        if (!result.ok) continue;
        await expect(signWebhook(secret, "id", 1, "{}"), secret).resolves.toMatch(/^v1,/);
      }
    }
  });
});
