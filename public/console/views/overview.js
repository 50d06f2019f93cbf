// Overview: the last 24 h per platform, with an hourly chart. Refreshes every 30 s.
import { api } from "../api.js";
import { hourlyChart } from "../chart.js";
import { h, notice } from "../dom.js";
import { providerName } from "../providers.js";
import { readStats } from "../stats.js";

export function overviewView(root) {
  const body = h("div", { class: "grid" });
  root.append(h("h1", {}, "Last 24 hours"), body);
  const load = async () => {
    try {
      const since = new Date(Date.now() - 24 * 3_600_000).toISOString();
      body.replaceChildren(...readStats(await api("GET", "/admin/stats", undefined, { since })).map(providerCard));
    } catch (error) {
      body.replaceChildren(notice(`Could not load the statistics: ${error.message}`));
    }
  };
  load();
  const timer = setInterval(load, 30_000);
  return () => clearInterval(timer);
}

function providerCard(stats) {
  const figure = (label, value, kind) => h("div", { class: `figure ${kind}` }, h("strong", {}, String(value)), label);
  return h(
    "article",
    { class: "card provider", "data-provider": stats.id },
    h("h2", {}, providerName(stats.id)),
    h(
      "div",
      { class: "figures" },
      figure("accepted", stats.accepted, "accepted"),
      figure("refused", stats.refused, "refused"),
      figure("delivered", stats.delivered, "delivered"),
      figure("failing", stats.failing, "failing"),
    ),
    hourlyChart(stats.hours),
    h(
      "p",
      { class: "legend" },
      "per hour: ",
      h("span", { class: "key-accepted" }, "accepted"),
      " ",
      h("span", { class: "key-refused" }, "refused"),
      " ",
      h("span", { class: "key-failing" }, "failing"),
    ),
    stats.refusals.length
      ? h(
          "ul",
          { class: "refusals" },
          stats.refusals.map((item) =>
            h("li", {}, `${item.count} × ${[item.status, item.reason].filter(Boolean).join(" ") || "refused"}`),
          ),
        )
      : null,
    stats.failing ? h("p", { class: "muted" }, `${stats.retrying} retrying, ${stats.dead} dead letters`) : null,
  );
}
