// Dead letters: deliveries that used up their schedule (or wait for a paused target); replay or delete,
// one at a time, or all those of a target and reason at once. The filters live in the URL.
import { api, segment } from "../api.js";
import { badge, h, notice, text, time } from "../dom.js";
import { continuing, replayInPages } from "../replay-loop.js";

const REASONS = [
  ["failed", "failed (schedule used up)"],
  ["paused", "paused (target paused)"],
  ["disabled", "disabled (target disabled)"],
  ["removed", "removed (target no longer listed)"],
];

export function deadLettersView(root, params = new URLSearchParams()) {
  const list = h("div", { class: "letters" });
  const status = h("div", { role: "status" });
  const more = h("button", { type: "button", hidden: true }, "More");
  const target = h("input", { name: "target", placeholder: "target id", value: params.get("target") ?? "" });
  const reason = h(
    "select",
    { name: "reason" },
    h("option", { value: "" }, "any reason"),
    REASONS.map(([value, label]) => h("option", { value, selected: params.get("reason") === value }, label)),
  );
  let cursor = null;

  async function load(append = false) {
    try {
      // The relay filters by reason, so a page may come back empty with a cursor: follow a few.
      let page = { items: [], cursor: append ? cursor : "" };
      for (let pages = 0; page.items.length === 0 && page.cursor !== null && pages < 10; pages++) {
        const query = { target: target.value.trim(), reason: reason.value, cursor: page.cursor };
        page = await api("GET", "/admin/dead-letters", undefined, query);
      }
      const cards = page.items.map((letter) => letterCard(letter, status, () => load()));
      if (append) list.append(...cards);
      else {
        list.replaceChildren(
          ...(cards.length
            ? cards
            : [
                h(
                  "p",
                  { class: "muted empty" },
                  target.value || reason.value
                    ? "No dead letters match these filters."
                    : "No dead letters: every delivery was accepted or is still being retried.",
                ),
              ]),
        );
      }
      cursor = page.cursor;
      more.hidden = !cursor;
    } catch (error) {
      // A failed further page keeps the letters already shown.
      if (append) status.replaceChildren(notice(`Could not load more dead letters: ${error.message}`));
      else list.replaceChildren(notice(`Could not load dead letters: ${error.message}`));
    }
  }
  more.addEventListener("click", async () => {
    // Disabled while the page loads: a second click would append the same page again.
    more.disabled = true;
    await load(true);
    more.disabled = false;
  });
  const replayAll = replayAllButton(target, reason, status, () => load());

  root.append(
    h("h1", {}, "Dead letters"),
    h(
      "form",
      {
        class: "filters",
        onsubmit: (submit) => {
          submit.preventDefault();
          const query = new URLSearchParams();
          if (target.value.trim()) query.set("target", target.value.trim());
          if (reason.value) query.set("reason", reason.value);
          const hash = `#/dead-letters${query.size ? `?${query}` : ""}`;
          if (location.hash === hash) load();
          else location.hash = hash;
        },
      },
      h("label", {}, "Target ", target),
      h("label", {}, "Reason ", reason),
      h("button", { type: "submit" }, "Filter"),
      replayAll,
    ),
    status,
    list,
    more,
  );
  load();
}

/**
 * "Replay all": every dead letter of the target and reason in the filters (all of them when both are
 * empty), through the bulk route, page after page. Two clicks, like delete: the first says what it will do.
 */
function replayAllButton(target, reason, status, reload) {
  const button = h("button", { type: "button", class: "replay-all" }, "Replay all");
  const reset = () => {
    delete button.dataset.armed;
    button.textContent = "Replay all";
  };
  target.addEventListener("input", reset);
  reason.addEventListener("change", reset);
  button.addEventListener("click", async (click) => {
    // The second click of a double click is not the deliberate second click this asks for.
    if (click.detail > 1) return;
    const filter = target.value.trim();
    const why = reason.value;
    const scope = [filter ? `of ${filter}` : "", why ? `${why}` : ""].filter(Boolean).join(", ");
    if (!button.dataset.armed) {
      button.dataset.armed = "yes";
      button.textContent = scope ? `Really replay all (${scope})` : "Really replay every dead letter";
      return;
    }
    button.disabled = true;
    try {
      const body = { ...(filter ? { target: filter } : {}), ...(why ? { reason: why } : {}) };
      const replayed = await replayInPages(
        () => api("POST", "/admin/dead-letters/replay", body),
        (total) => status.replaceChildren(notice(continuing(total), "ok")),
      );
      status.replaceChildren(notice(`Replayed ${replayed} dead letters${scope ? ` (${scope})` : ""}.`, "ok"));
      reload();
    } catch (error) {
      status.replaceChildren(notice(`Replay all failed: ${error.message}`));
    } finally {
      button.disabled = false;
      reset();
    }
  });
  return button;
}

function letterCard(letter, status, reload) {
  const replay = h("button", { type: "button", class: "primary" }, "Replay");
  const remove = h("button", { type: "button", class: "danger" }, "Delete");
  const act = async (button, method, path, done) => {
    button.disabled = true;
    try {
      await api(method, path);
      status.replaceChildren(notice(done, "ok"));
      reload();
    } catch (error) {
      status.replaceChildren(notice(`${button.textContent} failed: ${error.message}`));
      button.disabled = false;
    }
  };
  replay.addEventListener("click", () =>
    act(
      replay,
      "POST",
      `/admin/dead-letters/${segment(letter.id)}/replay`,
      `Replay of ${letter.event.id} to ${letter.target} queued.`,
    ),
  );
  // Two clicks to delete (no browser dialog): the first arms the button.
  remove.addEventListener("click", (click) => {
    // The second click of a double click is not the deliberate second click this asks for.
    if (click.detail > 1) return;
    if (remove.dataset.armed)
      return act(remove, "DELETE", `/admin/dead-letters/${segment(letter.id)}`, `Dead letter deleted.`);
    remove.dataset.armed = "yes";
    remove.textContent = "Really delete";
  });
  return h(
    "article",
    { class: "card letter", "data-dead-letter": letter.id },
    h("h3", {}, h("a", { href: `#/events/${segment(letter.event.id)}` }, letter.event.id), ` → ${letter.target}`),
    h(
      "p",
      {},
      letter.reason ? badge(letter.reason) : null,
      ` ${text(letter.event?.type, "")} · ${text(letter.attempts, "0")} attempts · last `,
      letter.lastStatus === null || letter.lastStatus === undefined ? "no answer" : `HTTP ${letter.lastStatus}`,
      letter.lastError ? ` · ${letter.lastError}` : "",
    ),
    h("p", { class: "muted" }, "first ", time(letter.firstAttemptAt), " · last ", time(letter.lastAttemptAt)),
    h("div", { class: "actions" }, replay, remove),
  );
}
