import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's `chromium` package; `CHROMIUM_PATH` points elsewhere (say, Chrome on a Mac). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/**
 * Starts the system's Chromium headless, without any of its own network traffic (updates,
 * sync, safe browsing). Playwright never downloads a browser here: the test uses the one
 * installed on the machine, and fails (never skips) when there is none.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      [
        `The console's browser test needs Chromium, and there is none at ${CHROMIUM_PATH}.`,
        ...(process.env.CI ? ["In CI, .ci/run installs it before npm test: see that step's output."] : []),
        "Install it: sudo apt-get update && sudo apt-get install -y chromium   (Debian, Ubuntu; .ci/run does this)",
        "or point CHROMIUM_PATH at a Chromium or Chrome binary, e.g.",
        '  CHROMIUM_PATH="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome" npm test',
      ].join("\n"),
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
