// One event: its CloudEvent, its attempts per target, and a redeliver button.
import { api, segment } from "../api.js";
import { badge, h, notice, time } from "../dom.js";
import { providerName } from "../providers.js";

const REFRESH_MS = 3_000;

export function eventView(root, id) {
  const result = h("div", { role: "status" });
  const timeline = h("div", { class: "timeline" });
  const json = h("pre", { class: "json" });
  const meta = h("p", { class: "muted" });
  const redeliver = h("button", { type: "button", class: "primary" }, "Redeliver");

  redeliver.addEventListener("click", async () => {
    redeliver.disabled = true;
    try {
      await api("POST", `/admin/events/${segment(id)}/redeliver`, {});
      result.replaceChildren(notice("Queued for redelivery to every matching target.", "ok"));
      setTimeout(load, 1_000);
    } catch (error) {
      result.replaceChildren(notice(`Redeliver failed: ${error.message}`));
    } finally {
      redeliver.disabled = false;
    }
  });

  async function load() {
    try {
      const { event, attempts, receivedAt } = await api("GET", `/admin/events/${segment(id)}`);
      json.textContent = JSON.stringify(event, null, 2);
      meta.replaceChildren(
        `${providerName(event.provider)} · ${event.type} · subject ${event.subject ?? "–"} · received `,
        time(receivedAt),
      );
      timeline.replaceChildren(...byTarget(attempts));
    } catch (error) {
      timeline.replaceChildren(
        notice(error.status === 404 ? "No such event (or it is past retention)." : error.message),
      );
    }
  }

  root.append(
    h("p", {}, h("a", { href: "#/events" }, "← Events")),
    h("h1", { class: "event-id" }, id),
    meta,
    h("div", { class: "actions" }, redeliver, result),
    h("h2", {}, "Attempts"),
    timeline,
    h("h2", {}, "CloudEvent"),
    json,
  );
  load();
  const timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}

function byTarget(attempts) {
  if (!attempts.length) return [h("p", { class: "muted" }, "No attempts yet (no matching target, or still queued).")];
  const targets = Map.groupBy(attempts, (attempt) => attempt.target);
  return [...targets].map(([target, list]) =>
    h(
      "section",
      { class: "card target-attempts", "data-target": target },
      h("h3", {}, target),
      h(
        "ol",
        {},
        list.map((attempt) =>
          h(
            "li",
            { class: "attempt" },
            badge(attempt.outcome),
            ` attempt ${attempt.attempt} · `,
            attempt.status === null || attempt.status === undefined ? "no answer" : `HTTP ${attempt.status}`,
            attempt.durationMs === undefined || attempt.durationMs === null ? "" : ` · ${attempt.durationMs} ms`,
            " · ",
            time(attempt.at),
            attempt.error ? h("span", { class: "attempt-error" }, ` · ${attempt.error}`) : null,
          ),
        ),
      ),
    ),
  );
}
