// Targets: pause or resume each, and edit the whole document with every problem shown beside its line.
import { api, segment } from "../api.js";
import { badge, h, notice } from "../dom.js";
import { lineOf, lineOfPaths } from "../json-lines.js";
import { continuing, replayInPages } from "../replay-loop.js";

export function targetsView(root) {
  const cards = h("div", { class: "grid" });
  const status = h("div", { role: "status" });
  const editor = documentEditor(status, () => load());

  async function load() {
    try {
      const [targets, pauses] = await Promise.all([api("GET", "/admin/targets"), pausedTargets()]);
      cards.replaceChildren(
        ...(targets.length
          ? targets.map((target) => targetCard(target, pauses.get(target.id), status, load))
          : [h("p", { class: "muted" }, "No targets yet: add one below.")]),
      );
      editor.show(targets);
    } catch (error) {
      cards.replaceChildren(notice(`Could not load targets: ${error.message}`));
    }
  }

  root.append(
    h("h1", {}, "Targets"),
    status,
    cards,
    h("h2", {}, "Edit the targets document"),
    // The relay never sends a secret back; what it shows masked, it keeps when saved unchanged.
    h(
      "p",
      { class: "muted", id: "targets-secrets-note" },
      "Secrets and header values are write-only: they show masked, as their kind and last 4 characters " +
        "(whsec_…Nzg5, …k3Jq). Leave a masked value as it is to keep the stored one; type a new value to replace it.",
    ),
    editor.element,
  );
  load();
}

/** Paused targets by id (`{ since, by }`); none when the relay cannot say, so the cards still show. */
async function pausedTargets() {
  try {
    const { paused } = await api("GET", "/admin/targets/paused");
    return new Map(paused.map((pause) => [pause.target, pause]));
  } catch {
    return new Map();
  }
}

/** "paused since <local time>", and why: text only. */
function pausedBadge(pause) {
  const element = badge("", "paused");
  const since = new Date(pause.since);
  const when = Number.isNaN(since.getTime()) ? String(pause.since) : since.toLocaleString();
  const why = pause.by === "gone" ? " (it answered 410 Gone)" : " (by an operator)";
  element.textContent = `paused since ${when}${why}`;
  element.title = String(pause.since);
  return element;
}

function targetCard(target, pause, status, reload) {
  // Both actions are offered (a pause can also begin between two loads); the relay's answer says what happened.
  const action = (verb, label) => {
    const button = h("button", { type: "button" }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const path = `/admin/targets/${segment(target.id)}/${verb}`;
        let done = `${target.id} is paused: its deliveries are kept as dead letters until you resume it.`;
        if (verb === "pause") await api("POST", path);
        else {
          // A resume replays in bounded pages: call again while the relay says some remain.
          const replayed = await replayInPages(
            () => api("POST", path),
            (total) => status.replaceChildren(notice(`${target.id}: ${continuing(total)}`, "ok")),
          );
          done = `${target.id} is resumed; ${replayed} kept deliveries replayed.`;
        }
        status.replaceChildren(notice(done, "ok"));
        reload();
      } catch (error) {
        status.replaceChildren(notice(`${target.id}: ${verb} failed: ${error.message}`));
        button.disabled = false;
      }
    });
    return button;
  };
  return h(
    "article",
    { class: "card target", "data-target": target.id },
    h(
      "h3",
      {},
      target.id,
      " ",
      target.enabled === false ? badge("disabled") : badge("enabled"),
      pause ? [" ", pausedBadge(pause)] : null,
    ),
    h("p", { class: "url" }, target.url),
    h(
      "p",
      { class: "muted" },
      `types: ${(target.types ?? ["*"]).join(", ")} · platforms: ${(target.providers ?? ["all"]).join(", ")}`,
    ),
    h("div", { class: "actions" }, action("pause", "Pause"), action("resume", "Resume")),
  );
}

/** A JSON textarea with a column beside it: each problem sits next to the line it is about. */
function documentEditor(status, saved) {
  const textarea = h("textarea", {
    id: "targets-json",
    spellcheck: "false",
    wrap: "off",
    rows: 18,
    "aria-describedby": "targets-problems",
  });
  const notes = h("div", { class: "notes-inner" });
  const list = h("ul", { id: "targets-problems", class: "problems" });
  const save = h("button", { type: "submit", class: "primary" }, "Save");
  let dirty = false;

  const clearProblems = () => {
    notes.replaceChildren();
    list.replaceChildren();
    textarea.removeAttribute("aria-invalid");
  };
  const showProblems = (problems) => {
    clearProblems();
    const lines = lineOfPaths(textarea.value);
    const lineHeight = Number.parseFloat(getComputedStyle(textarea).lineHeight) || 20;
    const paddingTop = Number.parseFloat(getComputedStyle(textarea).paddingTop) || 0;
    const taken = new Map();
    for (const problem of problems) {
      const line = lineOf(lines, problem.path);
      // Several problems on one line stack downwards.
      const offset = taken.get(line) ?? 0;
      taken.set(line, offset + 1);
      const text = `line ${line} · ${problem.path}: ${problem.message}`;
      const note = h("div", { class: "problem", "data-line": line, "data-path": problem.path, title: text }, text);
      note.style.top = `${paddingTop + (line - 1 + offset) * lineHeight}px`;
      notes.append(note);
      list.append(
        h(
          "li",
          {},
          h("button", { type: "button", class: "link", onclick: () => selectLine(textarea, line) }, `line ${line}`),
          ` ${problem.path}: ${problem.message}`,
        ),
      );
    }
    textarea.setAttribute("aria-invalid", "true");
  };
  textarea.addEventListener("scroll", () => {
    notes.style.transform = `translateY(${-textarea.scrollTop}px)`;
  });
  textarea.addEventListener("input", () => {
    dirty = true;
  });

  const element = h(
    "form",
    {
      class: "editor",
      onsubmit: async (submit) => {
        submit.preventDefault();
        save.disabled = true;
        try {
          await api("PUT", "/admin/targets", textarea.value);
          clearProblems();
          dirty = false;
          status.replaceChildren(notice("Targets saved.", "ok"));
          saved();
        } catch (error) {
          const problems = error.body?.problems ?? [{ path: "$", message: error.message }];
          showProblems(problems);
          status.replaceChildren(notice(`Not saved: ${error.message}. Nothing was changed.`));
        } finally {
          save.disabled = false;
        }
      },
    },
    h("div", { class: "editor-body" }, textarea, h("div", { class: "notes", "aria-hidden": "true" }, notes)),
    list,
    h("div", { class: "actions" }, save),
  );
  return {
    element,
    /** Shows the stored document, unless the operator is in the middle of an edit. */
    show(targets) {
      if (!dirty) textarea.value = `${JSON.stringify(targets, null, 2)}\n`;
    },
  };
}

function selectLine(textarea, line) {
  const lines = textarea.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
  textarea.focus();
  textarea.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
}
