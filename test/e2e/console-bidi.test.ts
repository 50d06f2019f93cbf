import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Relay, startRelay, waitFor } from "../../tools/harness/index.ts";
import { credentialVars, DEMO_CREDENTIALS, sendCallback, tencentMeetingCallback } from "../../tools/harness/samples.ts";
import { launchChromium } from "./chromium.ts";

/**
 * A meeting title with a right-to-left override (U+202E) is text like any other: it must not turn
 * around what the console writes after it on the same line (the meeting code, the event id, the
 * relay's own words), so an operator never reads `983402177` for `771204389`.
 */
const ADMIN_TOKEN = "console-bidi-admin-token-00000000";
const TITLE = "\u202eweiver ylretrauQ";
const CODE = "771204389";
const EVENT = "tencent-meeting:console-bidi:0";

let relay: Relay;
let browser: Browser;
let page: Page;

/** Whether `text` inside `selector` reads left to right on screen: its first character left of its last. */
async function readsLeftToRight(selector: string, text: string): Promise<boolean> {
  return page.$eval(
    selector,
    (root, wanted) => {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = (node.textContent ?? "").indexOf(wanted);
        if (at === -1) continue;
        const left = (offset: number) => {
          const range = document.createRange();
          range.setStart(node, offset);
          range.setEnd(node, offset + 1);
          return range.getBoundingClientRect().left;
        };
        return left(at) < left(at + wanted.length - 1);
      }
      throw new Error(`${wanted} is not in ${root.outerHTML}`);
    },
    text,
  );
}

describe("the console keeps a platform's bidi controls inside the text they came in", () => {
  beforeAll(async () => {
    browser = await launchChromium();
    relay = await startRelay({ secrets: { ...credentialVars(DEMO_CREDENTIALS), ADMIN_TOKEN } });
    const callback = tencentMeetingCallback(DEMO_CREDENTIALS, {
      event: "meeting.started",
      unique_sequence: "console-bidi",
      payload: [
        { operate_time: Date.now(), meeting_info: { meeting_id: "8800112299", meeting_code: CODE, subject: TITLE } },
      ],
    });
    expect(await sendCallback(relay.url, callback)).toEqual(callback.expect);
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(`${relay.url}/console`);
    await page.fill("#token", ADMIN_TOKEN);
    await page.click("#sign-in button[type=submit]");
    await page.locator("#nav").waitFor({ state: "visible" });
  });

  afterAll(async () => {
    await browser?.close();
    await relay?.stop();
  });

  it("in the event list, the code and the id after a title with U+202E read left to right", async () => {
    await page.evaluate(() => {
      location.hash = "#/events";
    });
    const row = `article.event-row[data-event-id="${EVENT}"]`;
    await waitFor("the event in the list", async () => (await page.locator(row).count()) === 1, {
      timeoutMs: 30_000,
    });
    expect(await page.locator(`${row} a.event-link`).textContent()).toBe(TITLE);
    expect(await readsLeftToRight(`${row} .event-main`, CODE)).toBe(true);
    expect(await readsLeftToRight(`${row} .event-main`, "console-bidi")).toBe(true);
  });

  it("on the event's page, the code and the relay's words after the title read left to right", async () => {
    await page.evaluate((id) => {
      location.hash = `#/events/${encodeURIComponent(id)}`;
    }, EVENT);
    await page.locator("p.muted strong.title").waitFor();
    expect(await page.locator("p.muted strong.title").textContent()).toBe(TITLE);
    expect(await readsLeftToRight("p.muted:has(strong.title)", CODE)).toBe(true);
    expect(await readsLeftToRight("p.muted:has(strong.title)", "Tencent Meeting")).toBe(true);
  });
});
