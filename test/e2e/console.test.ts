import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  always,
  PROJECT_ROOT,
  putKv,
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
 * `wrangler dev` and a local sink, as an operator sees it: sign in, watch events of all four
 * platforms arrive, find one by its title and code, redeliver one, read a failed attempt's answer,
 * replay dead letters one by one and in bulk, one state per target with a test send, a phone's
 * 390 px, and a stored targets document that is invalid: the console still opens, says what
 * waits, and fixes it. What a platform sent stays text.
 */
const ADMIN_TOKEN = "console-e2e-admin-token-000000000";
const XSS_SUBJECT = "<img src=x onerror=alert(1)>";
const XSS_EVENT = "tencent-meeting:console-xss:0";
const MEETING_TITLE = "Quarterly review Zephyr";
const MEETING_CODE = "771204389";
const MEETING_EVENT = "tencent-meeting:console-quarterly:0";
const FLAKY_ANSWER = "flaky is down for maintenance until 18:00";
const CRM_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** Local time with its offset: 2026-12-04 21:05:09 +08:00. */
const LOCAL_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/;
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
    sink.route("/flaky", always({ status: 503, body: FLAKY_ANSWER }));
    sink.route("/off", always({ status: 204 }));
    relay = await startRelay({ vars: { RETRY_SCHEDULE: "1", ALLOW_INSECURE_TARGETS: "true" }, secrets: SECRETS });
    const put = await relay.admin("PUT", "/admin/targets", [
      { id: "crm", url: `${sink.url}/crm`, secret: CRM_SECRET },
      { id: "flaky", url: `${sink.url}/flaky`, types: ["meeting.started"], providers: ["tencent-meeting"] },
      { id: "off", url: `${sink.url}/off`, types: ["nothing.matches"], enabled: false },
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
    await page.locator(".event-list").waitFor();
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
      (count) => document.querySelectorAll("article.event-row[data-event-id]").length >= count,
      documentedEvents + 1,
      { timeout: 30_000 },
    );
    for (const provider of PROVIDER_NAMES) {
      expect(await page.locator(`article.event-row[data-provider="${provider}"]`).count(), provider).toBeGreaterThan(0);
    }
    const received = await page.$$eval("article.event-row[data-event-id] time", (times) =>
      times.map((t) => t.getAttribute("datetime") ?? ""),
    );
    expect(received).toEqual([...received].sort().reverse());
    // Every time says its zone: local with the offset, UTC on hover.
    const first = page.locator("article.event-row time").first();
    expect(await first.textContent()).toMatch(LOCAL_TIME);
    expect(await first.getAttribute("title")).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    expect(await page.locator("#view").textContent()).not.toMatch(/\b(null|undefined|NaN)\b/);
    await shoot("events");
  });

  it("shows a subject like <img src=x onerror=alert(1)> as text: no image element, no dialog", async () => {
    const subject = page.locator(`article.event-row[data-event-id="${XSS_EVENT}"] .subject`);
    expect(await subject.textContent()).toBe(XSS_SUBJECT);
    expect(await page.locator("img").count()).toBe(0);
    await page.goto(`${relay.url}/console#/events/${encodeURIComponent(XSS_EVENT)}`);
    await page.locator("pre.json", { hasText: XSS_SUBJECT }).waitFor();
    expect(await page.locator("img").count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it("opens one event with its CloudEvent and attempts, redelivers it and shows the new attempt", async () => {
    await goTo("#/events");
    const row = page.locator('article.event-row[data-provider="huawei-meeting"]').first();
    const id = (await row.getAttribute("data-event-id")) ?? "";
    await row.locator("a.event-link").click();
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
    // A redelivery is marked manual and counts on its own, never a second "attempt 1".
    const redelivery = crmAttempts.last();
    expect(await redelivery.textContent()).toContain("delivered");
    expect(await redelivery.getAttribute("class")).toBe("attempt manual");
    expect(await redelivery.textContent()).toMatch(/manual redelivery 1 · HTTP 204/);
    expect(await crmAttempts.first().textContent()).toMatch(/^delivered attempt 1 · HTTP 204/);
    await shoot("event");
  });

  it("offers no Redeliver for an event the relay does not know", async () => {
    await goTo(`#/events/${encodeURIComponent("tencent-meeting:never-sent:0")}`);
    await page.locator("text=No such event: it never arrived").waitFor();
    expect(await page.locator("button", { hasText: "Redeliver" }).isVisible()).toBe(false);
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

  it("finds a meeting by its title and its code, keeping the search in the URL across reload and back", async () => {
    sink.route("/flaky", always({ status: 503, body: FLAKY_ANSWER }));
    const meeting = tencentMeetingCallback(DEMO_CREDENTIALS, {
      event: "meeting.started",
      unique_sequence: "console-quarterly",
      payload: [
        {
          operate_time: Date.now(),
          meeting_info: { meeting_id: "8800112233", meeting_code: MEETING_CODE, subject: MEETING_TITLE },
        },
      ],
    });
    expect(await sendCallback(relay.url, meeting)).toEqual(meeting.expect);
    await goTo("#/events");
    const rows = page.locator("article.event-row");
    for (const query of ["Zephyr", MEETING_CODE]) {
      await page.fill("input[name=q]", query);
      await page.click("form.filters button[type=submit]");
      await page.waitForURL((url) => url.hash === `#/events?q=${query}`);
      await waitFor(`the meeting found by ${query}`, async () => (await rows.count()) === 1, { timeoutMs: 15_000 });
      expect(await rows.first().getAttribute("data-event-id")).toBe(MEETING_EVENT);
      expect(await rows.first().locator("a.event-link").textContent()).toBe(MEETING_TITLE);
      expect(await rows.first().locator(".code").textContent()).toBe(MEETING_CODE);
    }
    await page.reload();
    await rows.first().waitFor();
    expect(await page.inputValue("input[name=q]")).toBe(MEETING_CODE);
    expect(await rows.count()).toBe(1);
    await page.goBack();
    await page.waitForURL((url) => url.hash === "#/events?q=Zephyr");
    expect(await page.inputValue("input[name=q]")).toBe("Zephyr");
    await page.fill("input[name=q]", "no-such-meeting-anywhere");
    await page.click("form.filters button[type=submit]");
    await page.locator("text=No event matches these filters").waitFor();
    await shoot("events-search");
  });

  it("shows what the receiver answered to a failed attempt", async () => {
    await goTo(`#/events/${encodeURIComponent(MEETING_EVENT)}`);
    const answer = page.locator('section[data-target="flaky"] li.attempt pre.response').first();
    await answer.waitFor({ timeout: 20_000 });
    expect(await answer.textContent()).toBe(FLAKY_ANSWER);
    expect(await page.locator(".event-id + p").textContent()).toContain(`${MEETING_TITLE} · code ${MEETING_CODE}`);
  });

  it("replays the dead letters of one target and reason in bulk", async () => {
    await waitFor("the meeting's dead letter at flaky", async () => {
      const response = await relay.admin("GET", "/admin/dead-letters?target=flaky");
      const { items } = (await response.json()) as { items: { event: { id: string } }[] };
      return items.some((item) => item.event.id === MEETING_EVENT);
    });
    sink.route("/flaky", always({ status: 204 }));
    await goTo("#/dead-letters?target=flaky&reason=failed");
    await page.locator("article.letter", { hasText: MEETING_EVENT }).waitFor();
    expect(await page.inputValue("input[name=target]")).toBe("flaky");
    expect(await page.inputValue("select[name=reason]")).toBe("failed");
    const replayAll = page.locator("button.replay-all");
    await replayAll.click();
    expect(await replayAll.textContent()).toBe("Really replay all (of flaky, failed)");
    await replayAll.click();
    await page.locator("text=/^Replayed \\d+ dead letters \\(of flaky, failed\\)\\.$/").waitFor();
    await sink.waitFor("the bulk-replayed meeting at flaky", (requests) =>
      requests.some((r) => r.webhookId === MEETING_EVENT && typeof r.reply === "object" && r.reply.status === 204),
    );
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

  it("shows one state per target with only the actions it allows, its health and a test send", async () => {
    // Drawn afresh (the editor keeps an edit in progress while the view stays open).
    await goTo("#/overview");
    await goTo("#/targets");
    const crm = page.locator('article.target[data-target="crm"]');
    await crm.waitFor();
    const buttons = (card: typeof crm) =>
      card.locator(".actions button").evaluateAll((items) => items.map((item) => item.textContent));
    expect(await crm.getAttribute("data-state")).toBe("enabled");
    expect(await crm.locator("h3 .badge").allTextContents()).toEqual(["enabled"]);
    expect(await buttons(crm)).toEqual(["Pause", "Send test event"]);
    expect(await crm.locator(".health").textContent()).toMatch(/^Last success: .+ · 0 failures in a row$/);
    const off = page.locator('article.target[data-target="off"]');
    expect(await off.getAttribute("data-state")).toBe("disabled");
    expect(await off.locator("h3 .badge").allTextContents()).toEqual(["disabled"]);
    expect(await buttons(off)).toEqual([]);

    await crm.locator("button", { hasText: "Send test event" }).click();
    const result = crm.locator(".test-result p.ok");
    await result.waitFor();
    expect(await result.textContent()).toMatch(/^Test event: HTTP 204 in \d+ ms \(accepted\)$/);
    await sink.waitFor("the test event at crm", (requests) =>
      requests.some((r) => r.path === "/crm" && r.body.includes('"relay.test"')),
    );
    // Secrets are write-only: the editor shows the masked value, never the secret.
    const editorText = await page.inputValue("#targets-json");
    expect(editorText).toContain('"secret": "whsec_…LaSw"');
    expect(editorText).not.toContain(CRM_SECRET);
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
    expect(await pausedBadge.textContent()).toMatch(/^paused since .+ [+-]\d\d:\d\d \(by an operator\)$/);
    // One state: paused, not "enabled" too, and Resume without Pause.
    expect(await crm.locator("h3 .badge").count()).toBe(1);
    expect(await crm.locator(".actions button").evaluateAll((items) => items.map((item) => item.textContent))).toEqual([
      "Resume",
      "Send test event",
    ]);

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

  it("shows each platform's callback URL pattern per account and which credentials are set, never their values", async () => {
    await goTo("#/setup");
    const tencent = page.locator('article.setup[data-provider="tencent-meeting"]');
    await tencent.waitFor();
    const urls = await tencent
      .locator("input.callback-url")
      .evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
    // Served from http://127.0.0.1, which no platform can reach: the deployed Worker's pattern instead.
    expect(urls).toEqual([
      "https://<your worker>/webhooks/tencent-meeting",
      "https://<your worker>/webhooks/tencent-meeting/acme",
    ]);
    expect(await page.locator(".notice-local").textContent()).toContain(`This page is served from ${relay.url}`);
    const credentials = await tencent
      .locator(".credentials li")
      .evaluateAll((items) => items.map((item) => item.textContent?.replace(/\s+/g, " ").trim()));
    expect(credentials).toContain("TENCENT_MEETING_TOKEN set");
    expect(credentials).toContain("TENCENT_MEETING_TOKEN_ACME set");
    expect(credentials).toContain("TENCENT_MEETING_ENCODING_AES_KEY not set");
    // Huawei registers through the admin API: a button, no URL to paste.
    const huawei = page.locator('article.setup[data-provider="huawei-meeting"]');
    expect(await huawei.locator("input.callback-url").count()).toBe(0);
    expect(await huawei.locator("button", { hasText: "Register this relay with Huawei" }).count()).toBeGreaterThan(0);
    expect(await huawei.locator("input[name=accessToken]").first().getAttribute("type")).toBe("password");
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
    const crm = page.locator('tr[data-target="crm"]');
    await crm.waitFor();
    // Each target's health beside its counts: when it last took a delivery, and how many failed since.
    expect(await crm.locator("td.last-success time").count()).toBe(1);
    expect(await crm.locator("td.failures-in-a-row").textContent()).toBe("0");
    await shoot("overview");
  });

  it("fits a phone: every view at 390 px without sideways scroll, the nav and the event link usable", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    phone.on("pageerror", (error) => pageErrors.push(error.message));
    try {
      await phone.goto(`${relay.url}/console`);
      await phone.fill("#token", ADMIN_TOKEN);
      await phone.click("#sign-in button[type=submit]");
      for (const [hash, ready] of [
        ["#/overview", "article.provider"],
        ["#/events", "article.event-row"],
        ["#/dead-letters", "#view h1"],
        ["#/targets", "article.target"],
        ["#/setup", "article.setup"],
      ] as const) {
        // Through the nav, as a thumb would.
        await phone.locator(`#nav a[href="${hash}"]`).click();
        await phone.locator(ready).first().waitFor();
        const width = await phone.evaluate(() => document.documentElement.scrollWidth);
        expect(width, hash).toBeLessThanOrEqual(390);
        // A missing value is never drawn as the word null or undefined.
        expect(await phone.locator("#view").innerText(), hash).not.toMatch(/\b(null|undefined)\b/);
        await phone.screenshot({ path: join(SCREENSHOTS, `phone-${hash.slice(2)}.png`), fullPage: false });
      }
      await phone.locator("#nav a[href='#/events']").click();
      const link = phone.locator("article.event-row a.event-link").first();
      const box = await link.boundingBox();
      if (!box) throw new Error("the event link is not on screen");
      expect(box.x + box.width).toBeLessThanOrEqual(390);
      const id = await phone.locator("article.event-row").first().getAttribute("data-event-id");
      await link.click();
      await phone.locator("h1.event-id", { hasText: id ?? "" }).waitFor();
      await phone.locator(".attempt").first().waitFor();
      // Outside the event's own JSON, where null is a value.
      const shown = await phone.evaluate(() => {
        const view = document.querySelector("#view")?.cloneNode(true) as HTMLElement;
        for (const json of view.querySelectorAll("pre")) json.remove();
        return view.textContent ?? "";
      });
      expect(shown).not.toMatch(/null|undefined/);
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    } finally {
      await phone.close();
    }
  });

  it("never locks on an invalid stored document: sign-in works, a banner on every view, the editor fixes it", async () => {
    // As `wrangler kv key put` can store it: one trailing comma, which the admin API would refuse.
    const broken = `[\n  { "id": "crm", "url": "${sink.url}/crm", "secret": "${CRM_SECRET}" },\n]\n`;
    await putKv([{ binding: "RELAY_CONFIG", key: "targets", value: broken }], relay.persistTo);
    // Events that arrive now wait in the queue (one more per try: an isolate trusts what it read for 5 s).
    let sent = 2;
    let lastSent = 0;
    const sendOne = async () => {
      lastSent = Date.now();
      const waiting = distinctCallback(DEMO_CREDENTIALS, "yunhuni", sent++);
      expect(await sendCallback(relay.url, waiting)).toEqual(waiting.expect);
    };
    await sendOne();

    await page.goto(`${relay.url}/console#/overview`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.fill("#token", ADMIN_TOKEN);
    await page.click("#sign-in button[type=submit]");
    const banner = page.locator("#banner");
    for (const hash of ["#/overview", "#/events", "#/dead-letters", "#/setup"]) {
      await goTo(hash);
      await banner.locator(".first-problem").waitFor();
      expect(await banner.textContent(), hash).toContain(
        "The targets document is invalid: nothing is delivered until it is fixed.",
      );
      expect(await banner.locator(".first-problem").textContent()).toBe(
        "First problem, line 3: targets is not valid JSON: line 3, column 1. ",
      );
    }
    // The consumer notes what waits; the banner says how many and since when.
    await waitFor(
      "the waiting count in the banner",
      async () => {
        await goTo("#/events");
        await goTo("#/overview");
        await banner.locator(".first-problem").waitFor();
        if (/About \d+/.test((await banner.textContent()) ?? "")) return true;
        if (sent < 8 && Date.now() - lastSent > 1_500) await sendOne();
        return /About \d+ (delivery is|deliveries are) waiting in the queue since /.test(
          (await banner.textContent()) ?? "",
        );
      },
      { timeoutMs: 20_000 },
    );
    expect(await banner.locator(".waiting time").textContent()).toMatch(LOCAL_TIME);
    await shoot("invalid-banner");

    await goTo("#/targets");
    const problem = page.locator('.problem[data-path="$"]');
    await problem.waitFor();
    expect(await problem.getAttribute("data-line")).toBe("3");
    const text = await page.inputValue("#targets-json");
    expect(text).toBe(`[\n  { "id": "crm", "url": "${sink.url}/crm", "secret": "whsec_…LaSw" },\n]\n`);
    await shoot("targets-invalid");

    await page.fill("#targets-json", text.replace("},\n]", "}\n]"));
    await page.click("form.editor button[type=submit]");
    await page.locator("text=Targets saved.").waitFor();
    await page.locator('article.target[data-target="crm"]').waitFor();
    await goTo("#/overview");
    await page.locator("article.provider").first().waitFor();
    await banner.waitFor({ state: "hidden" });
    // The masked secret kept the stored one.
    const stored = (await (await relay.admin("GET", "/admin/targets")).json()) as { secret: string }[];
    expect(stored).toEqual([{ id: "crm", url: `${sink.url}/crm`, secret: "whsec_…LaSw" }]);
  });

  it("loaded nothing from elsewhere and raised no script error or dialog", async () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
