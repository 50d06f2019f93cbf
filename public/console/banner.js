// The banner on every view while the stored targets document is invalid: deliveries wait in the
// queue for a valid one (nothing is lost), how many and since when, and the first thing to fix.
import { h, time } from "./dom.js";
import { readTargets } from "./targets-document.js";

const REFRESH_MS = 30_000;

/** Shows the banner in `element` when needed and keeps it current; returns a function that stops it. */
export function showBanner(element) {
  let stopped = false;
  const load = async () => {
    let document;
    try {
      document = await readTargets();
    } catch {
      return; // The view says what failed; the banner only speaks when it knows.
    }
    if (stopped) return;
    if (!document.invalid) {
      element.hidden = true;
      element.replaceChildren();
      return;
    }
    element.replaceChildren(...bannerText(document));
    element.hidden = false;
  };
  load();
  const timer = setInterval(load, REFRESH_MS);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

function bannerText({ problems, waiting }) {
  const first = problems[0];
  const count = waiting?.count ?? 0;
  return [
    h("strong", { class: "banner-title" }, "The targets document is invalid: nothing is delivered until it is fixed. "),
    waiting && count > 0
      ? h(
          "span",
          { class: "waiting" },
          `About ${count} ${count === 1 ? "delivery is" : "deliveries are"} waiting in the queue since `,
          time(waiting.since),
          " (none is lost). ",
        )
      : h("span", { class: "waiting" }, "Events that arrive now wait in the queue until it is fixed (none is lost). "),
    first ? h("span", { class: "first-problem" }, `First problem, line ${first.line}: ${first.message}. `) : null,
    location.hash.startsWith("#/targets") ? null : h("a", { href: "#/targets" }, "Fix it in Targets"),
  ];
}
