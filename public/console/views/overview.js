// Overview: the last 24 h per platform and per target (with each target's health), an hourly chart. Refreshes every 30 s.
import { api } from "../api.js";
import { hourlyChart } from "../chart.js";
import { fill, h, notice, text, time } from "../dom.js";
import { providerName } from "../providers.js";
import { readStats } from "../stats.js";

export function overviewView(root) {
  const body = h("div");
  root.append(h("h1", {}, "Last 24 hours"), body);
  const load = async () => {
    try {
      const stats = readStats(await api("GET", "/admin/stats", undefined, { since: "24h" }));
      const quiet = stats.providers.every((provider) => provider.accepted === 0 && provider.refused === 0);
      fill(
        body,
        quiet
          ? h(
              "p",
              { class: "muted empty" },
              "Nothing arrived in the last 24 hours. Register the callback URLs shown in ",
              h("a", { href: "#/setup" }, "Setup"),
              " with each platform, or send a signed sample to a local relay: npm run send -- tencent-meeting.",
            )
          : null,
        h("div", { class: "grid" }, stats.providers.map(providerCard)),
        h(
          "section",
          { class: "card hours" },
          h("h2", {}, "Per hour, all platforms"),
          hourlyChart(stats.hours),
          legend(),
        ),
        stats.targets.length ? targetTable(stats.targets) : null,
      );
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
    stats.refusals.length
      ? h(
          "ul",
          { class: "refusals" },
          stats.refusals.map((item) =>
            // The "other" entry (every reason past the top 50) has no single status.
            h(
              "li",
              {},
              `${text(item.count, "0")} × ${item.status === null || item.status === undefined ? "" : `${item.status} `}${text(item.reason, "other")}`,
            ),
          ),
        )
      : null,
    stats.failing || stats.paused
      ? h("p", { class: "muted" }, `${stats.retrying} retrying · ${stats.dead} dead · ${stats.paused} paused`)
      : null,
  );
}

function legend() {
  const key = (kind, text) => h("span", { class: `key key-${kind}` }, text);
  return h(
    "p",
    { class: "legend" },
    key("accepted", "events accepted"),
    key("refused", "callbacks refused"),
    key("failed", "delivery attempts failed"),
  );
}

function targetTable(targets) {
  const ms = (value) => (typeof value === "number" ? `${value} ms` : "–");
  return h(
    "section",
    { class: "card" },
    h("h2", {}, "Targets"),
    h(
      "div",
      { class: "table-scroll" },
      h(
        "table",
        { class: "events" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Target", "Last success", "Failures in a row", "Delivered", "Failed attempts", "p50", "p95"].map((name) =>
              h("th", {}, name),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          targets.map((target) =>
            h(
              "tr",
              { "data-target": target.id, class: target.failuresInARow > 0 ? "failing" : null },
              h("td", {}, target.id),
              h("td", { class: "last-success" }, target.lastSuccessAt ? time(target.lastSuccessAt) : "none in 24 h"),
              h("td", { class: "failures-in-a-row" }, String(target.failuresInARow)),
              h("td", {}, String(target.delivered)),
              h("td", {}, String(target.failed)),
              h("td", {}, ms(target.p50)),
              h("td", {}, ms(target.p95)),
            ),
          ),
        ),
      ),
    ),
  );
}
