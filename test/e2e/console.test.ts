import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  always,
  PROJECT_ROOT,
  type Relay,
  type Sink,
  startRelay,
  startSink,
  waitFor,
} from "../../tools/harness/index.ts";
import {
  credentialVars,
  DEMO_CREDENTIALS,
  distinctCallback,
  documentedSamples,
  PROVIDER_NAMES,
  sendCallback,
  tencentMeetingCallback,
} from "../../tools/harness/samples.ts";
import { launchChromium } from "./chromium.ts";

/**
 * The console in a real browser (the system's Chromium) against the real relay under
 * `wrangler dev` and a local sink: sign in, watch events of all four platforms arrive,
 * redeliver one, replay a dead letter, get an invalid targets document refused beside the
 * field, and make sure what a platform sent stays text.
 */
const ADMIN_TOKEN = "console-e2e-admin-token-000000000";
const XSS_SUBJECT = "<img src=x onerror=alert(1)>";
const XSS_EVENT = "tencent-meeting:console-xss:0";
const SCREENSHOTS = join(PROJECT_ROOT, "test/e2e/.screenshots");
const SECRETS = {
  ...credentialVars(DEMO_CREDENTIALS),
  TENCENT_MEETING_TOKEN_ACME: "consoleAcmeTencentToken01",
  ADMIN_TOKEN,
};

let sink: Sink;
let relay: Relay;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];
const pageErrors: string[] = [];
const foreignRequests: string[] = [];
let documentedEvents = 0;

const shoot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
const goTo = async (hash: string) => {
  await page.evaluate((target) => {
    location.hash = target;
  }, hash);
};

describe("the console in Chromium against wrangler dev", () => {
  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    sink = await startSink();
    sink.route("/crm", always({ status: 204 }));
    // Fails until the test lets it recover, so that its deliveries become dead letters.
    sink.route("/flaky", always({ status: 503 }));
    relay = await startRelay({ vars: { RETRY_SCHEDULE: "1", ALLOW_INSECURE_TARGETS: "true" }, secrets: SECRETS });
    const put = await relay.admin("PUT", "/admin/targets", [
      { id: "crm", url: `${sink.url}/crm` },
      { id: "flaky", url: `${sink.url}/flaky`, types: ["meeting.started"], providers: ["tencent-meeting"] },
    ]);
    expect(put.status, await put.clone().text()).toBe(200);

    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("request", (request) => {
      if (!request.url().startsWith(relay.url)) foreignRequests.push(request.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
    await sink?.close();
  });

  it("refuses a wrong token and signs in with the right one, keeping it in sessionStorage only", async () => {
    await page.goto(`${relay.url}/console`);
    await page.fill("#token", "not-the-token");
    await page.click("#sign-in button[type=submit]");
    await page.locator("#sign-in-error", { hasText: "That token was refused." }).waitFor();

    await page.fill("#token", ADMIN_TOKEN);
    await page.click("#sign-in button[type=submit]");
    await page.locator("#nav").waitFor({ state: "visible" });
    await page.locator("#sign-in").waitFor({ state: "hidden" });
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([ADMIN_TOKEN]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect((await page.context().cookies()).length).toBe(0);
    expect(page.url()).not.toContain(ADMIN_TOKEN);
  });

  it("lists signed callbacks of all four platforms as they arrive, newest first, without a reload", async () => {
    await goTo("#/events");
    await page.locator("table.events").waitFor();
    const samples = documentedSamples(DEMO_CREDENTIALS);
    for (const sample of samples) {
      expect(await sendCallback(relay.url, sample)).toEqual(sample.expect);
      documentedEvents += sample.events;
    }
    const xss = tencentMeetingCallback(DEMO_CREDENTIALS, {
      event: "meeting.started",
      unique_sequence: "console-xss",
      payload: [{ operate_time: Date.now(), meeting_info: { meeting_id: XSS_SUBJECT, subject: XSS_SUBJECT } }],
    });
    expect(await sendCallback(relay.url, xss)).toEqual(xss.expect);
    // One forged callback, for the overview's refusal count.
    const forged = tencentMeetingCallback(
      { ...DEMO_CREDENTIALS, tencentToken: "not-the-relay-token-000001" },
      { event: "meeting.started", unique_sequence: "console-forged", payload: [{ operate_time: Date.now() }] },
    );
    expect((await sendCallback(relay.url, forged)).status).toBe(401);

    // The list refreshes itself: no navigation or click between sending and seeing.
    await page.waitForFunction(
      (count) => document.querySelectorAll("tr[data-event-id]").length >= count,
      documentedEvents + 1,
      { timeout: 30_000 },
    );
    for (const provider of PROVIDER_NAMES) {
      expect(await page.locator(`tr[data-provider="${provider}"]`).count(), provider).toBeGreaterThan(0);
    }
    const received = await page.$$eval("tr[data-event-id] time", (times) =>
      times.map((t) => t.getAttribute("datetime") ?? ""),
    );
    expect(received).toEqual([...received].sort().reverse());
    await shoot("events");
  });

  it("shows a subject like <img src=x onerror=alert(1)> as text: no image element, no dialog", async () => {
    const subject = page.locator(`tr[data-event-id="${XSS_EVENT}"] td.subject`);
    expect(await subject.textContent()).toBe(XSS_SUBJECT);
    expect(await page.locator("img").count()).toBe(0);
    await page.goto(`${relay.url}/console#/events/${encodeURIComponent(XSS_EVENT)}`);
    await page.locator("pre.json", { hasText: XSS_SUBJECT }).waitFor();
    expect(await page.locator("img").count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it("opens one event with its CloudEvent and attempts, redelivers it and shows the new attempt", async () => {
    await goTo("#/events");
    const link = page.locator('tr[data-provider="huawei-meeting"] a.event-link').first();
    const id = (await link.textContent()) ?? "";
    await link.click();
    await page.locator("h1.event-id", { hasText: id }).waitFor();
    await page.locator("pre.json", { hasText: `"id": ${JSON.stringify(id)}` }).waitFor();
    const json = JSON.parse((await page.locator("pre.json").textContent()) ?? "{}") as Record<string, unknown>;
    expect(json).toMatchObject({ specversion: "1.0", id, provider: "huawei-meeting" });
    const crmAttempts = page.locator('section[data-target="crm"] li.attempt');
    await waitFor("the first attempt to crm on the page", async () => (await crmAttempts.count()) === 1);
    expect(sink.requests("/crm").filter((request) => request.webhookId === id)).toHaveLength(1);

    await page.click("button:has-text('Redeliver')");
    await page.locator("text=Queued for redelivery").waitFor();
    await sink.waitFor("the redelivery at crm", (requests) => requests.filter((r) => r.webhookId === id).length === 2);
    await waitFor("the second attempt on the page", async () => (await crmAttempts.count()) === 2, {
      timeoutMs: 20_000,
    });
    expect(await crmAttempts.last().textContent()).toContain("delivered");
    await shoot("event");
  });

  it("replays a dead letter once its target recovers", async () => {
    await waitFor("the XSS event's dead letter at flaky", async () => {
      const response = await relay.admin("GET", "/admin/dead-letters?target=flaky");
      const { items } = (await response.json()) as { items: { id: string; event: { id: string } }[] };
      return items.find((item) => item.event.id === XSS_EVENT);
    });
    await goTo("#/dead-letters");
    const letter = page.locator("article.letter", { hasText: XSS_EVENT });
    await letter.waitFor();
    expect(await letter.locator("h3").textContent()).toContain("→ flaky");
    await shoot("dead-letters");

    sink.route("/flaky", always({ status: 204 }));
    await letter.locator("button", { hasText: "Replay" }).click();
    await page.locator("text=Replay of").waitFor();
    await sink.waitFor("the replayed delivery at flaky", (requests) =>
      requests.some(
        (r) =>
          r.path === "/flaky" && r.webhookId === XSS_EVENT && typeof r.reply === "object" && r.reply.status === 204,
      ),
    );
    await letter.waitFor({ state: "detached" });
  });

  it("refuses an invalid targets document and shows each problem beside its line", async () => {
    await goTo("#/targets");
    await page.locator('article.target[data-target="crm"]').waitFor();
    const before = await (await relay.admin("GET", "/admin/targets")).text();
    const invalid = JSON.stringify(
      [
        { id: "crm", url: `${sink.url}/crm` },
        { id: "bad", url: "ftp://crm.example.com/hooks" },
      ],
      null,
      2,
    );
    const urlLine = invalid.split("\n").findIndex((line) => line.includes("ftp://")) + 1;
    await page.fill("#targets-json", invalid);
    await page.click("form.editor button[type=submit]");

    const problem = page.locator('.problem[data-path="$[1].url"]');
    await problem.waitFor();
    expect(await problem.getAttribute("data-line")).toBe(String(urlLine));
    expect(await problem.textContent()).toContain("url must use https://");
    // Beside the field: to the right of the textarea, at the height of the offending line.
    const field = await page.locator("#targets-json").boundingBox();
    const note = await problem.boundingBox();
    if (!field || !note) throw new Error("the editor or the problem is not visible");
    expect(note.x).toBeGreaterThanOrEqual(field.x + field.width - 1);
    const lineTop = field.y + 8 + (urlLine - 1) * 20;
    expect(Math.abs(note.y - lineTop)).toBeLessThanOrEqual(4);
    expect(await page.locator("text=Not saved").count()).toBe(1);
    expect(await (await relay.admin("GET", "/admin/targets")).text()).toBe(before);
    await shoot("targets");
  });

  it("pauses a target, keeps what it would have received, and resumes it with a replay", async () => {
    await goTo("#/targets");
    const crm = page.locator('article.target[data-target="crm"]');
    const pausedBadge = crm.locator(".badge-paused");
    await crm.waitFor(); // the card is drawn with what /admin/targets/paused said
    expect(await pausedBadge.count()).toBe(0);
    await crm.locator("button", { hasText: "Pause" }).click();
    await page.locator("text=crm is paused").waitFor();
    await pausedBadge.waitFor();
    expect(await pausedBadge.textContent()).toMatch(/^paused since .+ \(by an operator\)$/);

    const kept = distinctCallback(DEMO_CREDENTIALS, "yunhuni", 1);
    expect(await sendCallback(relay.url, kept)).toEqual(kept.expect);
    await goTo("#/dead-letters");
    const letter = page.locator("article.letter", { hasText: "→ crm" }).filter({ hasText: "paused" });
    await waitFor("the kept delivery in the dead-letter list", async () => {
      await page.click("form.filters button[type=submit]");
      return (await letter.count()) === 1;
    });
    const keptId = ((await letter.locator("h3 a").textContent()) ?? "").trim();
    expect(sink.requests("/crm").filter((request) => request.webhookId === keptId)).toEqual([]);

    await goTo("#/targets");
    await crm.locator("button", { hasText: "Resume" }).click();
    await page.locator("text=crm is resumed; 1 kept deliveries replayed.").waitFor();
    await pausedBadge.waitFor({ state: "detached" });
    await sink.waitFor("the kept delivery at crm", (requests) => requests.some((r) => r.webhookId === keptId));
  });

  it("shows each platform's callback URL per account and which credentials are set, never their values", async () => {
    await goTo("#/setup");
    const tencent = page.locator('article.setup[data-provider="tencent-meeting"]');
    await tencent.waitFor();
    const urls = await tencent
      .locator("input.callback-url")
      .evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
    expect(urls).toEqual([`${relay.url}/webhooks/tencent-meeting`, `${relay.url}/webhooks/tencent-meeting/acme`]);
    const credentials = await tencent
      .locator(".credentials li")
      .evaluateAll((items) => items.map((item) => item.textContent?.replace(/\s+/g, " ").trim()));
    expect(credentials).toContain("TENCENT_MEETING_TOKEN set");
    expect(credentials).toContain("TENCENT_MEETING_TOKEN_ACME set");
    expect(credentials).toContain("TENCENT_MEETING_ENCODING_AES_KEY not set");
    const html = await page.content();
    for (const value of Object.values(SECRETS)) expect(html).not.toContain(value);
    await shoot("setup");
  });

  it("counts the last 24 hours per platform and draws them per hour", async () => {
    await goTo("#/overview");
    for (const provider of PROVIDER_NAMES) {
      const accepted = page.locator(`article.provider[data-provider="${provider}"] .figure.accepted strong`);
      await accepted.waitFor();
      expect(Number(await accepted.textContent()), provider).toBeGreaterThan(0);
    }
    const tencent = page.locator('article.provider[data-provider="tencent-meeting"]');
    expect(await tencent.locator(".figure.refused strong").textContent()).toBe("1");
    expect(await tencent.locator(".refusals li").textContent()).toMatch(/^1 × 401 /);
    expect(await page.locator("section.hours svg.chart rect.chart-accepted").count()).toBeGreaterThan(0);
    expect(await page.locator("section.hours svg.chart rect.chart-refused").count()).toBeGreaterThan(0);
    await page.locator('tr[data-target="crm"]').waitFor();
    await shoot("overview");
  });

  it("loaded nothing from elsewhere and raised no script error or dialog", async () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
