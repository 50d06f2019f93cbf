// One event: its CloudEvent, its attempts per target (a failed one with the receiver's answer, a
// redelivery marked manual), and a redeliver button when the relay knows the event.
import { api, segment } from "../api.js";
import { badge, fill, h, notice, text, time } from "../dom.js";
import { providerName } from "../providers.js";

const REFRESH_MS = 3_000;

export function eventView(root, id) {
  const result = h("div", { role: "status" });
  const timeline = h("div", { class: "timeline" });
  const json = h("pre", { class: "json" });
  const meta = h("p", { class: "muted" });
  const redeliver = h("button", { type: "button", class: "primary", hidden: true }, "Redeliver");

  /** The targets a redelivery the queue took only part of did not reach: the next click sends only to them. */
  let notQueued = null;
  redeliver.addEventListener("click", async () => {
    redeliver.disabled = true;
    try {
      await api("POST", `/admin/events/${segment(id)}/redeliver`, notQueued ? { targets: notQueued } : {});
      result.replaceChildren(
        notice(
          notQueued
            ? `Queued for redelivery to ${notQueued.join(", ")}.`
            : "Queued for redelivery to every matching target.",
          "ok",
        ),
      );
      notQueued = null;
      redeliver.textContent = "Redeliver";
      // Enabled again once the new attempts are loaded: the second click of a double click sends nothing.
      setTimeout(async () => {
        await load();
        redeliver.disabled = false;
      }, 1_000);
    } catch (error) {
      const rest = error.body?.notQueued;
      if (Array.isArray(rest) && rest.length > 0) {
        // Sending it to every target again would deliver it twice to those that have it queued.
        notQueued = rest;
        redeliver.textContent = `Redeliver to the ${rest.length} not queued`;
        result.replaceChildren(
          notice(
            `Redeliver failed part way: queued for ${(error.body.queued ?? []).join(", ") || "none"}, ` +
              `not for ${rest.join(", ")}. Redeliver again sends it only to those.`,
          ),
        );
      } else result.replaceChildren(notice(`Redeliver failed: ${error.message}`));
      redeliver.disabled = false;
    }
  });

  let timer;
  async function load() {
    try {
      const { event, attempts, receivedAt, earlierAttemptsOmitted } = await api("GET", `/admin/events/${segment(id)}`);
      json.textContent = JSON.stringify(event, null, 2);
      const meeting = event.data?.meeting ?? {};
      const title = typeof meeting.subject === "string" ? meeting.subject : "";
      const code = typeof meeting.code === "string" || typeof meeting.code === "number" ? String(meeting.code) : "";
      fill(
        meta,
        title ? h("strong", { class: "title" }, title) : null,
        title ? " · " : null,
        code ? `code ${code} · ` : "",
        `${providerName(event.provider)} · ${text(event.type)} · subject ${text(event.subject)} · received `,
        time(receivedAt),
      );
      redeliver.hidden = false;
      timeline.replaceChildren(
        ...(earlierAttemptsOmitted
          ? [h("p", {}, "The latest 1,000 attempts are shown; earlier ones are left out.")]
          : []),
        ...byTarget(attempts ?? []),
      );
    } catch (error) {
      if (error.status === 404) {
        // Nothing to redeliver: the relay does not know it (never arrived, or past retention).
        redeliver.hidden = true;
        clearInterval(timer);
        meta.replaceChildren();
        json.textContent = "";
        timeline.replaceChildren(
          notice("No such event: it never arrived, or it is past the log's retention."),
          h("p", {}, h("a", { href: `#/events?q=${encodeURIComponent(id)}` }, "Search the event list for it")),
        );
      } else timeline.replaceChildren(notice(`Could not load the event: ${error.message}`));
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
  timer = setInterval(load, REFRESH_MS);
  return () => clearInterval(timer);
}

function byTarget(attempts) {
  if (!attempts.length) {
    return [
      h(
        "p",
        { class: "muted" },
        "No attempts yet: it is still queued, or no target matches its type and platform (see Targets).",
      ),
    ];
  }
  const targets = Map.groupBy(attempts, (attempt) => attempt.target);
  return [...targets].map(([target, list]) => {
    let redeliveries = 0;
    return h(
      "section",
      { class: "card target-attempts", "data-target": target },
      h("h3", {}, target),
      h(
        "ol",
        {},
        list.map((attempt) => {
          // A redelivery starts its own count: "redelivery 2, attempt 1", never a second "attempt 1".
          const manual = attempt.manual === true;
          if (manual && (attempt.attempt ?? 1) <= 1) redeliveries++;
          const label = manual
            ? `redelivery ${Math.max(redeliveries, 1)}${(attempt.attempt ?? 1) > 1 ? `, attempt ${attempt.attempt}` : ""}`
            : `attempt ${text(attempt.attempt, "?")}`;
          const failed = attempt.outcome !== "delivered";
          return h(
            "li",
            { class: `attempt${manual ? " manual" : ""}`, "data-outcome": text(attempt.outcome) },
            badge(text(attempt.outcome)),
            manual ? [" ", badge("manual")] : null,
            ` ${label} · `,
            attempt.status === null || attempt.status === undefined ? "no answer" : `HTTP ${attempt.status}`,
            typeof attempt.durationMs === "number" ? ` · ${attempt.durationMs} ms` : "",
            " · ",
            time(attempt.at),
            attempt.error ? h("span", { class: "attempt-error" }, ` · ${attempt.error}`) : null,
            failed && attempt.response
              ? h(
                  "pre",
                  { class: "response", title: "the first 1 KiB of the receiver's answer" },
                  String(attempt.response),
                )
              : null,
          );
        }),
      ),
    );
  });
}
