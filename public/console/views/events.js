// Events: the event log, newest first, with filters; refreshes itself every 5 s.
import { api, segment } from "../api.js";
import { badge, h, notice, time } from "../dom.js";
import { PROVIDERS, providerName } from "../providers.js";

const OUTCOMES = ["delivered", "retry", "dead", "paused"];
const REFRESH_MS = 5_000;
/** Kept across visits so that coming back from one event keeps the filters. */
const filters = { provider: "", type: "", subject: "", target: "", outcome: "" };

export function eventsView(root) {
  const list = h("tbody");
  const status = h("p", { class: "muted", role: "status" });
  const more = h("button", { type: "button", hidden: true }, "Older events");
  let cursor = null;
  /** Only the first page refreshes itself; an operator reading older pages keeps what they loaded. */
  let paged = false;

  const select = (name, options) =>
    h(
      "select",
      { name, onchange: () => (filters[name] = form.elements[name].value) },
      h("option", { value: "" }, "any"),
      options.map(([value, label]) => h("option", { value, selected: filters[name] === value }, label)),
    );
  const text = (name, placeholder) =>
    h("input", { name, value: filters[name], placeholder, oninput: () => (filters[name] = form.elements[name].value) });
  const form = h(
    "form",
    {
      class: "filters",
      onsubmit: (submit) => {
        submit.preventDefault();
        paged = false;
        load();
      },
    },
    h("label", {}, "Platform ", select("provider", PROVIDERS)),
    h("label", {}, "Type ", text("type", "meeting.started")),
    h("label", {}, "Subject ", text("subject", "meeting id")),
    h("label", {}, "Target ", text("target", "crm")),
    h(
      "label",
      {},
      "Outcome ",
      select(
        "outcome",
        OUTCOMES.map((outcome) => [outcome, outcome]),
      ),
    ),
    h("button", { type: "submit" }, "Filter"),
  );

  async function load(append = false) {
    try {
      const page = await api("GET", "/admin/events", undefined, { ...filters, cursor: append ? cursor : "" });
      const rows = page.items.map(eventRow);
      if (append) list.append(...rows);
      else list.replaceChildren(...rows);
      cursor = page.cursor;
      more.hidden = !cursor;
      status.replaceChildren(
        list.children.length ? `${list.children.length} events, updated ` : "No events match, updated ",
        time(new Date().toISOString()),
      );
    } catch (error) {
      status.replaceChildren(notice(`Could not load events: ${error.message}`));
    }
  }
  more.addEventListener("click", () => {
    paged = true;
    load(true);
  });

  root.append(
    h("h1", {}, "Events"),
    form,
    status,
    h(
      "table",
      { class: "events" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Received", "Platform", "Type", "Subject", "Deliveries", "Id"].map((name) => h("th", {}, name)),
        ),
      ),
      list,
    ),
    more,
  );
  load();
  const timer = setInterval(() => paged || load(), REFRESH_MS);
  return () => clearInterval(timer);
}

function eventRow(event) {
  const href = `#/events/${segment(event.id)}`;
  return h(
    "tr",
    { "data-event-id": event.id, "data-provider": event.provider },
    h("td", {}, time(event.receivedAt)),
    h("td", {}, providerName(event.provider)),
    h("td", {}, event.type),
    h("td", { class: "subject" }, event.subject ?? ""),
    h(
      "td",
      {},
      (event.deliveries ?? []).map((delivery) =>
        h("span", { class: "delivery" }, `${delivery.target} `, badge(delivery.outcome)),
      ),
    ),
    h("td", {}, h("a", { href, class: "event-link" }, event.id)),
  );
}
