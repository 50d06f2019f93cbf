import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { always, type Relay, type Sink, sleep, startRelay, startSink, waitFor } from "../../tools/harness/index.ts";
import { credentialVars, DEMO_CREDENTIALS, distinctCallback, sendCallback } from "../../tools/harness/samples.ts";
import { launchChromium } from "./chromium.ts";

/**
 * An operator's double click (two clicks 100 to 500 ms apart, the second with `detail` 2) sends each
 * action once: one redelivery, no deletion or bulk replay without a deliberate second click, and a
 * page of an older list appended once. A redelivery the queue took only part of is sent again only to
 * the targets it did not reach.
 */
const ADMIN_TOKEN = "console-review-double-admin-00000";

let relay: Relay;
let sink: Sink;
let browser: Browser;
let page: Page;
/** Every request of the page that changes something: "POST /admin/… {body}". */
const writes: string[] = [];
const go = (hash: string) =>
  page.evaluate((target) => {
    location.hash = target;
  }, hash);

/** The second click of a double click (`detail` 2) at the middle of where `locator` is now. */
async function secondClickOfDoubleClick(locator: Locator) {
  const box = await locator.boundingBox();
  if (!box) throw new Error("not on screen");
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down({ clickCount: 2 });
  await page.mouse.up({ clickCount: 2 });
}

/** A double click whose two clicks are `gapMs` apart. */
async function humanDoubleClick(locator: Locator, gapMs = 150) {
  const box = await locator.boundingBox();
  if (!box) throw new Error("not on screen");
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await sleep(gapMs);
  await secondClickOfDoubleClick(locator);
}

const ids = (selector: string, attribute: string) =>
  page.locator(selector).evaluateAll((elements, name) => elements.map((e) => e.getAttribute(name)), attribute);

describe("the console sends each action once, however it is clicked", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    sink = await startSink();
    sink.route("/crm", always({ status: 204 }));
    sink.route("/flaky", always({ status: 503, body: "down" }));
    relay = await startRelay({
      vars: { RETRY_SCHEDULE: "1", ALLOW_INSECURE_TARGETS: "true" },
      secrets: { ...credentialVars(DEMO_CREDENTIALS), ADMIN_TOKEN },
    });
    const put = await relay.admin("PUT", "/admin/targets", [
      { id: "crm", url: `${sink.url}/crm` },
      { id: "flaky", url: `${sink.url}/flaky` },
    ]);
    expect(put.status).toBe(200);
    for (let n = 0; n < 5; n++) {
      const callback = distinctCallback(DEMO_CREDENTIALS, "tencent-meeting", n);
      expect(await sendCallback(relay.url, callback)).toEqual(callback.expect);
    }
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on("request", (request) => {
      if (request.method() !== "GET") {
        writes.push(`${request.method()} ${new URL(request.url()).pathname} ${request.postData() ?? ""}`);
      }
    });
    // Pages of two, so that five events and five dead letters make three pages; an older page takes
    // 400 ms, as over a slow link.
    await page.route(/\/admin\/(events|dead-letters)(\?|$)/, async (route) => {
      const url = new URL(route.request().url());
      url.searchParams.set("limit", "2");
      if (url.searchParams.has("cursor")) await sleep(400);
      return route.continue({ url: url.toString() });
    });
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

  it("redelivers once on a double click whose second click comes after the relay answered", async () => {
    await go("#/events");
    await waitFor("the first page", async () => (await page.locator("article.event-row").count()) === 2, {
      timeoutMs: 20_000,
    });
    const id = (await page.locator("article.event-row").first().getAttribute("data-event-id")) ?? "";
    await go(`#/events/${encodeURIComponent(id)}`);
    const redeliver = page.locator("button", { hasText: "Redeliver" });
    await redeliver.waitFor();
    writes.length = 0;
    await redeliver.click();
    await page.locator("text=Queued for redelivery").waitFor();
    await secondClickOfDoubleClick(redeliver);
    await sleep(300);
    expect(writes.filter((write) => write.includes("/redeliver"))).toHaveLength(1);
  });

  it("after a redelivery the queue took part of, sends it again only to the targets not queued", async () => {
    const id = (await page.locator("h1.event-id").textContent()) ?? "";
    await page.route(
      /\/redeliver$/,
      (route) =>
        route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({
            error: 'the redelivery was queued for 1 of 2 targets; send the rest again with {"targets": [...notQueued]}',
            code: "queue_unavailable",
            queued: ["crm"],
            notQueued: ["flaky"],
          }),
        }),
      { times: 1 },
    );
    const redeliver = page.locator("button", { hasText: "Redeliver" });
    await waitFor("Redeliver enabled again", () => redeliver.isEnabled(), { timeoutMs: 10_000 });
    writes.length = 0;
    await redeliver.click();
    await page.locator("text=Redeliver failed").waitFor();
    await redeliver.click();
    await page.locator("text=Queued for redelivery").waitFor();
    expect(writes).toEqual([
      `POST /admin/events/${encodeURIComponent(id)}/redeliver {}`,
      `POST /admin/events/${encodeURIComponent(id)}/redeliver {"targets":["flaky"]}`,
    ]);
  });

  it("appends each older page of events once on a double click", async () => {
    await go("#/events");
    await waitFor("the first page", async () => (await page.locator("article.event-row").count()) === 2);
    await humanDoubleClick(page.locator("button", { hasText: "Older events" }));
    await sleep(1_000);
    const rows = await ids("article.event-row", "data-event-id");
    expect(rows).toHaveLength(4);
    expect(new Set(rows).size).toBe(4);
  });

  it("appends each further page of dead letters once on a double click", async () => {
    await waitFor(
      "five dead letters at flaky",
      async () => {
        const response = await relay.admin("GET", "/admin/dead-letters?target=flaky");
        return ((await response.json()) as { items: unknown[] }).items.length === 5;
      },
      { timeoutMs: 30_000 },
    );
    await go("#/dead-letters");
    await waitFor("the first page", async () => (await page.locator("article.letter").count()) === 2);
    await humanDoubleClick(page.locator("button", { hasText: "More" }));
    await sleep(1_000);
    const letters = await ids("article.letter", "data-dead-letter");
    expect(letters).toHaveLength(4);
    expect(new Set(letters).size).toBe(4);
  });

  it("deletes nothing on a double click of Delete: the second click must be a deliberate one", async () => {
    await go("#/overview");
    await go("#/dead-letters");
    await waitFor("the first page", async () => (await page.locator("article.letter").count()) === 2);
    const remove = page.locator("article.letter").first().locator("button", { hasText: "Delete" });
    writes.length = 0;
    await humanDoubleClick(remove);
    await sleep(500);
    expect(writes).toEqual([]);
    expect(await remove.textContent()).toBe("Really delete");
  });

  it("replays nothing on a double click of Replay all", async () => {
    const replayAll = page.locator("button.replay-all");
    writes.length = 0;
    await humanDoubleClick(replayAll);
    await sleep(500);
    expect(writes).toEqual([]);
    expect(await replayAll.textContent()).toBe("Really replay every dead letter");
  });
});
