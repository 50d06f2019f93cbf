// Events: the event log, newest first, with filters kept in the URL (`#/events?q=…&since=24h`), so a
// reload, the back button and a shared link keep them; the first page refreshes itself every 5 s.
import { api, segment } from "../api.js";
import { badge, h, notice, text, time } from "../dom.js";
import { PROVIDERS, providerName } from "../providers.js";

const OUTCOMES = ["delivered", "retry", "dead", "paused"];
const RANGES = [
  ["1h", "last hour"],
  ["24h", "last 24 hours"],
  ["7d", "last 7 days"],
];
const REFRESH_MS = 5_000;
/** Pages followed at most while they hold no event and have a cursor, before "Older events" takes over. */
const EMPTY_PAGES = 5;
/** The filters, in the order they appear in the URL. */
export const EVENT_FILTERS = ["q", "provider", "type", "target", "outcome", "since"];

export function eventsView(root, params = new URLSearchParams()) {
  const filters = Object.fromEntries(EVENT_FILTERS.map((name) => [name, params.get(name) ?? ""]));
  const list = h("div", { class: "event-list" });
  const status = h("p", { class: "muted", role: "status" });
  const more = h("button", { type: "button", hidden: true }, "Older events");
  let cursor = null;
  /** Only the first page refreshes itself; an operator reading older pages keeps what they loaded. */
  let paged = false;

  const select = (name, options, anyLabel = "any") =>
    h(
      "select",
      { name },
      h("option", { value: "" }, anyLabel),
      options.map(([value, label]) => h("option", { value, selected: filters[name] === value }, label)),
    );
  const input = (name, placeholder, type = "text") => h("input", { name, type, value: filters[name], placeholder });
  const form = h(
    "form",
    {
      class: "filters",
      role: "search",
      onsubmit: (submit) => {
        submit.preventDefault();
        // Into the URL: the hashchange draws the list again with them.
        const query = new URLSearchParams();
        for (const name of EVENT_FILTERS) {
          const value = String(form.elements[name].value).trim();
          if (value) query.set(name, value);
        }
        const hash = `#/events${query.size ? `?${query}` : ""}`;
        if (location.hash === hash) load();
        else location.hash = hash;
      },
    },
    h("label", { class: "search" }, "Search ", input("q", "title, meeting code, id…", "search")),
    h("label", {}, "Platform ", select("provider", PROVIDERS)),
    h("label", {}, "Type ", input("type", "meeting.started")),
    h("label", {}, "Target ", input("target", "crm")),
    h(
      "label",
      {},
      "Outcome ",
      select(
        "outcome",
        OUTCOMES.map((outcome) => [outcome, outcome]),
      ),
    ),
    h("label", {}, "Received ", select("since", RANGES, "any time")),
    h("button", { type: "submit", class: "primary" }, "Search"),
  );

  const filtered = EVENT_FILTERS.some((name) => filters[name]);
  async function load(append = false) {
    try {
      // A filtered page looks at a bounded window of the log, so it may hold no match and still have a
      // cursor: follow a few, as the admin API asks.
      let page = { items: [], cursor: append ? cursor : "" };
      for (let pages = 0; pages === 0 || (page.items.length === 0 && page.cursor && pages < EMPTY_PAGES); pages++) {
        page = await api("GET", "/admin/events", undefined, { ...filters, cursor: page.cursor });
      }
      const rows = page.items.map(eventCard);
      if (append) list.append(...rows);
      else list.replaceChildren(...rows);
      cursor = page.cursor;
      more.hidden = !cursor;
      const count = list.querySelectorAll("[data-event-id]").length;
      if (count) status.replaceChildren(`${count} events, updated `, time(new Date().toISOString()));
      else {
        status.replaceChildren(
          cursor
            ? "No match among the newest events looked at so far: Older events looks further back. "
            : filtered
              ? "No event matches these filters: widen the time range or clear the search. "
              : "No events yet: send a test callback (npm run send -- tencent-meeting) or wait for a platform's. ",
          filtered ? h("a", { href: "#/events" }, "Clear the filters") : null,
        );
      }
    } catch (error) {
      status.replaceChildren(notice(`Could not load events: ${error.message}`));
    }
  }
  more.addEventListener("click", async () => {
    paged = true;
    // Disabled while the page loads: a second click would append the same page again.
    more.disabled = true;
    await load(true);
    more.disabled = false;
  });

  root.append(h("h1", {}, "Events"), form, status, list, more);
  load();
  const timer = setInterval(() => paged || load(), REFRESH_MS);
  return () => clearInterval(timer);
}

/** One event as a row on a wide screen and a card on a phone: its link comes first, never off-screen. */
function eventCard(event) {
  const href = `#/events/${segment(event.id)}`;
  const title = event.title ? String(event.title) : "";
  const code = event.code ? String(event.code) : "";
  return h(
    "article",
    { class: "event-row", "data-event-id": event.id, "data-provider": event.provider },
    h(
      "div",
      { class: "event-main" },
      h("a", { href, class: "event-link" }, title || text(event.type, "event")),
      code ? h("span", { class: "code", title: "meeting code" }, code) : null,
      h("span", { class: "event-id-small" }, event.id),
    ),
    h(
      "div",
      { class: "event-meta" },
      time(event.receivedAt),
      ` · ${providerName(event.provider)} · ${text(event.type)}`,
      event.subject ? [" · subject ", h("span", { class: "subject" }, String(event.subject))] : null,
    ),
    h(
      "div",
      { class: "event-deliveries" },
      (event.deliveries ?? []).length
        ? event.deliveries.map((delivery) =>
            h("span", { class: "delivery" }, `${delivery.target} `, badge(text(delivery.outcome))),
          )
        : h("span", { class: "muted" }, "no delivery yet (queued, or no target matches)"),
    ),
  );
}
