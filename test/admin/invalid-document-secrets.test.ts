import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { forgetWaiting, WAITING_KEY } from "../../src/delivery/waiting";
import { TEST_BINDINGS } from "../support/bindings";
import { EXAMPLE_TARGET } from "../support/targets";
import { callWorker } from "../support/worker";

const AUTH = { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` };
const SECRET = EXAMPLE_TARGET.secret;
const API_KEY = "api-key-value";
const BOT_TOKEN = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const BOT_SECRET = "feishu-bot-signing-secret-7Qx2";

/**
 * A stored document that parses but is no list of targets (one target, a wrapped list), or holds a secret where
 * no valid target has one, was laid out masked by its targets' fields alone: its secrets showed in the clear.
 */

/** GET /admin/targets with `stored` as the stored text: 200 marked X-Targets-Invalid; its body's text. */
async function shownText(stored: string): Promise<string> {
  await env.RELAY_CONFIG.put("targets", stored);
  const { response } = await callWorker(new Request("https://relay.example.com/admin/targets", { headers: AUTH }));
  expect(response.status).toBe(200);
  expect(response.headers.get("x-targets-invalid")).toBe("1");
  return ((await response.json()) as { text: string }).text;
}

beforeEach(async () => {
  forgetWaiting();
  await env.RELAY_STATE.delete(WAITING_KEY);
  await env.RELAY_CONFIG.delete("targets");
});

describe("GET /admin/targets of an invalid stored document that parses: secrets stay write-only", () => {
  it.each([
    [
      "one target without the array around it",
      { id: "crm", url: "https://crm.example.com/in", secret: SECRET, headers: { "x-api-key": API_KEY } },
    ],
    [
      "the targets wrapped in an object",
      {
        targets: [
          {
            id: "team",
            kind: "feishu",
            url: `https://open.feishu.cn/open-apis/bot/v2/hook/${BOT_TOKEN}`,
            secret: BOT_SECRET,
          },
        ],
      },
    ],
    [
      "headers given as an array of lines",
      [{ id: "crm", url: "https://crm.example.com/in", headers: [`x-api-key: ${API_KEY}`] }],
    ],
    ["a misspelt secret field", [{ id: "crm", url: "https://crm.example.com/in", secrets: [SECRET] }]],
  ])("masks every write-only value of %s", async (_, document) => {
    const text = await shownText(JSON.stringify(document));
    for (const value of [SECRET, API_KEY, BOT_TOKEN, BOT_SECRET]) expect(text).not.toContain(value);
  });
});
