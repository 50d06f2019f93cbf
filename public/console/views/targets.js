// Targets: one state per target (enabled, paused, disabled) with only the actions it allows, its
// health, a test send, and the whole document in an editor with every problem beside its line.
import { api, segment } from "../api.js";
import { badge, h, notice, text, time } from "../dom.js";
import { lineOf, lineOfPaths } from "../json-lines.js";
import { continuing, replayInPages } from "../replay-loop.js";
import { readTargets } from "../targets-document.js";

export function targetsView(root) {
  const cards = h("div", { class: "grid" });
  const status = h("div", { role: "status" });
  const editor = documentEditor(status, () => load());

  async function load() {
    try {
      const [document, pauses, health] = await Promise.all([readTargets(), pausedTargets(), targetHealth()]);
      if (document.invalid) {
        cards.replaceChildren(
          notice(
            `The stored targets document is invalid (${document.problems.length} ` +
              `${document.problems.length === 1 ? "problem" : "problems"}): fix it in the editor below and save.`,
          ),
        );
        editor.showInvalid(document.text, document.problems);
        return;
      }
      const { targets } = document;
      cards.replaceChildren(
        ...(targets.length
          ? targets.map((target) => targetCard(target, pauses.get(target.id), health.get(target.id), status, load))
          : [
              h(
                "p",
                { class: "muted empty" },
                "No targets yet. Add one in the editor below, e.g. " +
                  '[{"id": "crm", "url": "https://crm.example.com/hooks"}], then Save.',
              ),
            ]),
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
      "Secrets, header values and chat webhook tokens are write-only: they show masked, as their kind and last 4 " +
        "characters (whsec_…Nzg5, …k3Jq). Leave a masked value as it is to keep the stored one; type a new value " +
        "to replace it.",
    ),
    editor.element,
  );
  load();
}

/** Pages of paused targets read at most, 1,000 a page: far more than a document can list. */
const PAUSE_PAGES = 20;

/** Paused targets by id (`{ since, by }`); none when the relay cannot say, so the cards still show. */
async function pausedTargets() {
  const pauses = new Map();
  try {
    let cursor;
    for (let page = 0; page < PAUSE_PAGES; page++) {
      const answer = await api("GET", "/admin/targets/paused", undefined, { cursor });
      for (const pause of answer.paused) pauses.set(pause.target, pause);
      cursor = answer.cursor;
      if (!cursor) break;
    }
    return pauses;
  } catch {
    return new Map();
  }
}

/** Per target `{ lastSuccessAt, failuresInARow }` from the last 24 h of the log; empty when unknown. */
async function targetHealth() {
  try {
    const stats = await api("GET", "/admin/stats", undefined, { since: "24h" });
    return new Map(Object.entries(stats?.targets ?? {}));
  } catch {
    return new Map();
  }
}

/** The one state a target is in: disabled in the document, paused, or enabled. */
export function stateOf(target, pause) {
  if (target.enabled === false) return "disabled";
  return pause ? "paused" : "enabled";
}

function stateBadge(state, pause) {
  if (state !== "paused") return badge(state);
  const element = badge("", "paused");
  const why = pause.by === "gone" ? " (it answered 410 Gone)" : " (by an operator)";
  element.append("paused since ", time(pause.since), why);
  return element;
}

function healthLine(health) {
  if (!health || (health.lastSuccessAt === undefined && health.failuresInARow === undefined)) {
    return h("p", { class: "muted health" }, "Health: nothing delivered to it in the last 24 hours.");
  }
  const failures = Number(health.failuresInARow) || 0;
  return h(
    "p",
    { class: `health${failures > 0 ? " failing" : ""}` },
    "Last success: ",
    health.lastSuccessAt ? time(health.lastSuccessAt) : "none in the log",
    ` · ${failures} ${failures === 1 ? "failure" : "failures"} in a row`,
  );
}

function targetCard(target, pause, health, status, reload) {
  const state = stateOf(target, pause);
  const result = h("div", { class: "test-result", role: "status" });
  const action = (verb, label) => {
    const button = h("button", { type: "button", class: `action-${verb}` }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const path = `/admin/targets/${segment(target.id)}/${verb}`;
        let done = `${target.id} is paused: its deliveries are kept as dead letters until you resume it.`;
        if (verb === "pause") await api("POST", path);
        else {
          // A resume replays in bounded pages: call again while the relay says some remain.
          const replayed = await replayInPages(
            () =>
              api("POST", path).then((answer) => {
                // Paused again while the resume ran (it answered 410 to the replays): the relay left the pause.
                if (answer?.paused === true) {
                  throw new Error("it was paused again while it was being resumed; resume it again once it is fixed");
                }
                return answer;
              }),
            (total) => status.replaceChildren(notice(`${target.id}: ${continuing(total)}`, "ok")),
          );
          done = `${target.id} is resumed; ${replayed} kept deliveries replayed.`;
        }
        status.replaceChildren(notice(done, "ok"));
        reload();
      } catch (error) {
        status.replaceChildren(notice(`${target.id}: ${verb} failed: ${error.message}`));
        button.disabled = false;
        // A resume that failed after its first page has unpaused the target: show its state as it is now.
        if (error.status !== 401) reload();
      }
    });
    return button;
  };
  const test = h("button", { type: "button", class: "action-test" }, "Send test event");
  test.addEventListener("click", async () => {
    test.disabled = true;
    result.replaceChildren(h("p", { class: "muted" }, "Sending a relay.test event…"));
    try {
      const answer = await api("POST", `/admin/targets/${segment(target.id)}/test`, {});
      result.replaceChildren(testAnswer(answer));
    } catch (error) {
      result.replaceChildren(notice(`Test send failed: ${error.message}`));
    } finally {
      test.disabled = false;
    }
  });
  const actions =
    state === "enabled"
      ? [action("pause", "Pause"), test]
      : state === "paused"
        ? [action("resume", "Resume"), test]
        : [h("span", { class: "muted" }, 'Disabled in the document: set "enabled": true below to send to it again.')];
  return h(
    "article",
    { class: "card target", "data-target": target.id, "data-state": state },
    h("h3", {}, target.id, " ", stateBadge(state, pause)),
    h("p", { class: "url" }, text(target.url)),
    h(
      "p",
      { class: "muted" },
      `types: ${(target.types ?? ["*"]).join(", ")} · platforms: ${(target.providers ?? ["all"]).join(", ")}`,
    ),
    state === "disabled" ? null : healthLine(health),
    h("div", { class: "actions" }, actions),
    result,
  );
}

/** What the target answered a test event: status, time taken, and the start of its answer. */
function testAnswer(answer) {
  const ok = answer?.ok === true;
  const answered = answer?.status !== null && answer?.status !== undefined;
  const statusText = answered ? `HTTP ${answer.status}` : "no answer";
  const duration = typeof answer?.durationMs === "number" ? ` in ${answer.durationMs} ms` : "";
  // Why it failed, in the relay's words: a timeout, a connection error, or "not sent" (no rate-limit slot).
  const why = ok || !answer?.error ? "" : `: ${answer.error}`;
  const line =
    typeof answer?.retryAfterSeconds === "number"
      ? `Test event${why || `: not sent; try again in ${answer.retryAfterSeconds} s`}`
      : `Test event: ${statusText}${duration}${ok ? " (accepted)" : answered ? " (refused)" : ""}${why}`;
  return h(
    "div",
    {},
    h("p", { class: ok ? "ok" : "error" }, line),
    answer?.response ? h("pre", { class: "response" }, String(answer.response)) : null,
  );
}

/** A JSON textarea with a column beside it: each problem sits next to the line it is about. */
function documentEditor(status, saved) {
  const textarea = h("textarea", {
    id: "targets-json",
    spellcheck: "false",
    wrap: "off",
    rows: 18,
    "aria-label": "Targets document (JSON)",
    "aria-describedby": "targets-secrets-note targets-problems",
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
      const line = Number.isInteger(problem.line) ? problem.line : lineOf(lines, problem.path);
      // Several problems on one line stack downwards.
      const offset = taken.get(line) ?? 0;
      taken.set(line, offset + 1);
      const label = `line ${line} · ${problem.path}: ${problem.message}`;
      const note = h("div", { class: "problem", "data-line": line, "data-path": problem.path, title: label }, label);
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
      if (dirty) return;
      textarea.value = `${JSON.stringify(targets, null, 2)}\n`;
      clearProblems();
    },
    /** Shows the stored text of an invalid document with each problem on its line. */
    showInvalid(text, problems) {
      if (dirty) return;
      textarea.value = text;
      showProblems(problems);
    },
  };
}

function selectLine(textarea, line) {
  const lines = textarea.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
  textarea.focus();
  textarea.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
}
