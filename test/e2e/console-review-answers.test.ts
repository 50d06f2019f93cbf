import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { always, type Relay, type Sink, startRelay, startSink, waitFor } from "../../tools/harness/index.ts";
import { credentialVars, DEMO_CREDENTIALS, distinctCallback, sendCallback } from "../../tools/harness/samples.ts";
import { launchChromium } from "./chromium.ts";

/**
 * What the admin API answers is shown as it is meant: a test send that got no answer says why, a
 * 200 that is not JSON is named as such, a filtered page that is empty but has a cursor is followed,
 * a resume that fails part way shows the target's real state, a failed "More" keeps what was loaded,
 * and only Huawei's refusal is called Huawei's. The targets editor has a name for assistive technology.
 */
const ADMIN_TOKEN = "console-review-answers-admin-0000";

let relay: Relay;
let sink: Sink;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const go = (hash: string) =>
  page.evaluate((target) => {
    location.hash = target;
  }, hash);
const json = (status: number, body: unknown) => ({
  status,
  contentType: "application/json",
  body: JSON.stringify(body),
});

describe("the console shows the admin API's answers as they are meant", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    sink = await startSink();
    sink.route("/crm", always({ status: 204 }));
    sink.route("/gone", () => "reset");
    relay = await startRelay({
      vars: { RETRY_SCHEDULE: "1", ALLOW_INSECURE_TARGETS: "true" },
      secrets: { ...credentialVars(DEMO_CREDENTIALS), ADMIN_TOKEN },
    });
    const put = await relay.admin("PUT", "/admin/targets", [
      { id: "crm", url: `${sink.url}/crm` },
      { id: "gone", url: `${sink.url}/gone`, types: ["nothing.matches"] },
    ]);
    expect(put.status).toBe(200);
    const callback = distinctCallback(DEMO_CREDENTIALS, "tencent-meeting", 1);
    expect(await sendCallback(relay.url, callback)).toEqual(callback.expect);
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(`${relay.url}/console`);
    await page.fill("#token", ADMIN_TOKEN);
    await page.click("#sign-in button[type=submit]");
    await page.locator("#nav").waitFor({ state: "visible" });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    await sink?.close();
  });

  it("says why a test send got no answer, instead of calling it refused", async () => {
    await go("#/targets");
    const card = page.locator('article[data-target="gone"]');
    const [response] = await Promise.all([
      page.waitForResponse((answer) => answer.url().endsWith("/admin/targets/gone/test")),
      card.locator("button.action-test").click(),
    ]);
    const answer = (await response.json()) as { ok: boolean; status: number | null; error: string };
    expect(answer).toMatchObject({ ok: false, status: null });
    const result = card.locator(".test-result");
    await result.locator("p.error").waitFor();
    expect(await result.textContent()).toContain(answer.error);
    expect(await result.textContent()).not.toContain("(refused)");
  });

  it("says a chat target's test was not sent when its rate limit had no slot", async () => {
    const error = "not sent: the bot's rate limit has no send slot now; try again in 7 s";
    await page.route(/\/admin\/targets\/crm\/test$/, (route) =>
      route.fulfill(json(200, { status: null, durationMs: 0, response: null, ok: false, error, retryAfterSeconds: 7 })),
    );
    const card = page.locator('article[data-target="crm"]');
    await card.locator("button.action-test").click();
    const result = card.locator(".test-result");
    await result.locator("p.error").waitFor();
    expect(await result.textContent()).toContain(error);
    expect(await result.textContent()).not.toContain("(refused)");
  });

  it("names the textarea of the targets document for assistive technology", async () => {
    expect(await page.getByRole("textbox", { name: /targets document/i }).count()).toBe(1);
  });

  it("shows the target's real state when a resume fails after its first page", async () => {
    expect((await relay.admin("POST", "/admin/targets/crm/pause")).status).toBe(202);
    // The first page unpauses it for real and says more remain; the next one fails.
    let calls = 0;
    await page.route(/\/admin\/targets\/crm\/resume$/, async (route) => {
      calls++;
      if (calls > 1) return route.fulfill(json(503, { error: "the queue refused a send", code: "queue_unavailable" }));
      const real = await route.fetch();
      return route.fulfill({ response: real, json: { ...(await real.json()), remaining: true } });
    });
    await go("#/overview");
    await go("#/targets");
    const card = page.locator('article[data-target="crm"]');
    await page.locator('article[data-target="crm"][data-state="paused"]').waitFor();
    await card.locator("button.action-resume").click();
    await page.locator("text=crm: resume failed").waitFor();
    await page.locator('article[data-target="crm"][data-state="enabled"]').waitFor({ timeout: 3_000 });
  });

  it("names a 200 answer that is not JSON (a login page in front of the relay) instead of a script error", async () => {
    await page.route(/\/admin\/dead-letters(\?|$)/, (route) =>
      route.fulfill({ status: 200, contentType: "text/html", body: "<html><body>Sign in to Access</body></html>" }),
    );
    await go("#/dead-letters");
    const error = page.locator("#view p.error");
    await error.waitFor();
    expect(await error.textContent()).not.toContain("Cannot read properties");
    expect(await error.textContent()).toMatch(/not JSON/);
    await page.unroute(/\/admin\/dead-letters(\?|$)/);
  });

  it("keeps the dead letters it loaded when the next page fails", async () => {
    const letter = {
      id: "crm.0001",
      target: "crm",
      reason: "failed",
      event: { id: "tencent-meeting:kept:0", type: "meeting.started" },
      attempts: 3,
      lastStatus: 503,
      lastError: "HTTP 503",
      firstAttemptAt: new Date().toISOString(),
      lastAttemptAt: new Date().toISOString(),
    };
    await page.route(/\/admin\/dead-letters(\?|$)/, (route) =>
      new URL(route.request().url()).searchParams.has("cursor")
        ? route.fulfill(json(503, { error: "KV is unavailable", code: "internal_error" }))
        : route.fulfill(json(200, { items: [letter], cursor: "page-2" })),
    );
    await go("#/overview");
    await go("#/dead-letters");
    await page.locator('article.letter[data-dead-letter="crm.0001"]').waitFor();
    await page.locator("button", { hasText: "More" }).click();
    await page.locator("text=KV is unavailable").waitFor();
    expect(await page.locator('article.letter[data-dead-letter="crm.0001"]').count()).toBe(1);
    await page.unroute(/\/admin\/dead-letters(\?|$)/);
  });

  it("follows a filtered page that is empty but has a cursor, as the docs say", async () => {
    await page.route(/\/admin\/events\?/, (route) => {
      const url = new URL(route.request().url());
      // The first window of the log holds no match; the next one does.
      if (!url.searchParams.has("cursor")) return route.fulfill(json(200, { items: [], cursor: "next-window" }));
      url.searchParams.delete("cursor");
      return route.continue({ url: url.toString() });
    });
    await go("#/events?provider=tencent-meeting");
    await waitFor("the match in the next window", async () => (await page.locator("article.event-row").count()) > 0, {
      timeoutMs: 5_000,
    });
    expect(await page.locator("text=No event matches these filters").count()).toBe(0);
    await page.unroute(/\/admin\/events\?/);
  });

  it("sends the corpId and spId typed for Huawei's registration, and leaves out the ones left empty", async () => {
    const sent: unknown[] = [];
    await page.route(/\/admin\/huawei\/link-config/, (route) => {
      sent.push(route.request().postDataJSON());
      return route.fulfill(json(200, { message: "Huawei accepted the callback URL", huaweiStatus: 200 }));
    });
    await go("#/setup");
    const form = page.locator("form.huawei-link").first();
    await form.locator("input[name=accessToken]").fill("token-1");
    await form.locator("input[name=corpId]").fill(" corp-9 ");
    await form.locator("button[type=submit]").click();
    await form.locator("text=Huawei accepted the callback URL").waitFor();
    await form.locator("input[name=accessToken]").fill("token-2");
    await form.locator("input[name=corpId]").fill("");
    await form.locator("input[name=spId]").fill("sp-3");
    await form.locator("button[type=submit]").click();
    await waitFor("the second registration", async () => sent.length === 2, { timeoutMs: 5_000 });
    expect(sent).toEqual([
      { accessToken: "token-1", corpId: "corp-9" },
      { accessToken: "token-2", spId: "sp-3" },
    ]);
    expect(pageErrors).toEqual([]);
    await page.unroute(/\/admin\/huawei\/link-config/);
  });

  it("calls only Huawei's refusal Huawei's", async () => {
    await page.route(/\/admin\/huawei\/link-config/, (route) =>
      route.fulfill(json(400, { error: "accessToken: must not be empty", code: "invalid_body" })),
    );
    await go("#/setup");
    const form = page.locator("form.huawei-link").first();
    await form.locator("button[type=submit]").click();
    const error = form.locator("p.error");
    await error.waitFor();
    expect(await error.textContent()).toContain("accessToken: must not be empty");
    expect(await error.textContent()).not.toContain("Huawei refused");
    expect(pageErrors).toEqual([]);
  });
});
