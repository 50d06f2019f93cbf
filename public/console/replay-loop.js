// Resume and bulk replay work in bounded pages: each call answers {"replayed", "remaining"}, and
// the console calls again while something remains, showing how far it got.

/**
 * Calls in a row that replay nothing while the relay still says some remain, before giving up. Such
 * calls are normal behind a long run of letters the filter skips (each call walks past up to about
 * 45,000 and carries on from there next time), so only a relay that stopped making progress
 * reaches this many.
 */
export const STALLED_CALLS = 25;

/**
 * The least time between the starts of two calls. Each page writes the resume's or replay's progress to
 * one KV key, and KV takes one write per key per second: a faster call would be refused.
 */
export const PAGE_INTERVAL_MS = 1_000;

/** The progress line between two pages. */
export const continuing = (total) => `replayed ${total}, continuing…`;

/**
 * Calls `page()` (one bounded page: resolves to `{replayed, remaining}`) until nothing remains, at
 * most once per {@link PAGE_INTERVAL_MS},
 * calling `progress(total)` after each page that leaves more. Resolves to the total replayed; a
 * failed page rejects with its error, its message saying how many were replayed before it.
 */
export async function replayInPages(page, progress) {
  let total = 0;
  let stalled = 0;
  for (let started = 0; ; ) {
    const wait = started + PAGE_INTERVAL_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    started = Date.now();
    let answer;
    try {
      answer = await page();
    } catch (error) {
      if (total > 0) error.message = `${error.message} (${total} replayed before that)`;
      throw error;
    }
    const replayed = Number(answer?.replayed) || 0;
    total += replayed;
    if (answer?.remaining !== true) return total;
    stalled = replayed === 0 ? stalled + 1 : 0;
    if (stalled === STALLED_CALLS) {
      throw new Error(`the relay replayed nothing in ${STALLED_CALLS} calls in a row (${total} replayed); try again`);
    }
    progress(total);
  }
}
