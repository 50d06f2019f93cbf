// Builds DOM nodes. Every string becomes a text node: nothing here parses HTML, so whatever a
// platform sent (a meeting subject, an error message) is shown as text and never runs.

const SVG_NS = "http://www.w3.org/2000/svg";
const FORBIDDEN = new Set(["innerHTML", "outerHTML", "srcdoc"]);

/** `h("button", { class: "x", onclick }, "Text", child)` */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (FORBIDDEN.has(key)) throw new Error(`${key} is not allowed`);
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key === "class") element.className = value;
    else if (key === "value" || key === "disabled" || key === "checked") element[key] = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** An SVG element with plain attributes. */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  append(element, children);
  return element;
}

/** Replaces an element's children as `h` appends them: null, undefined and false leave nothing (never "null"). */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/** Bidi embeddings, overrides and isolates: invisible, and they turn around whatever follows on the line. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : isolated(String(child)));
  }
}

/** A text holding any is kept whole, in a <bdi> that ends them with it: a title cannot reverse the code after it. */
function isolated(text) {
  if (!BIDI_CONTROLS.test(text)) return text;
  const bdi = document.createElement("bdi");
  bdi.append(text);
  return bdi;
}

/** "+08:00", "-05:30", "+00:00": the reader's offset from UTC at that date. */
export function offsetOf(date) {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** `2026-12-04 21:05:09 +08:00`: local time with its offset, so a reader always knows the zone. */
export function localTime(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ${offsetOf(date)}`
  );
}

/** A date as the reader's local time with its offset; UTC in its tooltip. */
export function time(iso) {
  if (!iso) return h("span", {}, "–");
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h("span", {}, String(iso));
  const utc = `${date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "")} UTC`;
  return h("time", { datetime: date.toISOString(), title: utc }, localTime(date));
}

/** Text for a value that may be missing: never "null" or "undefined" on screen. */
export const text = (value, missing = "–") =>
  value === null || value === undefined || value === "" ? missing : String(value);

/** A small coloured label: delivered, retry, dead, paused… */
export function badge(text, kind = text) {
  return h("span", { class: `badge badge-${String(kind).replace(/[^a-z0-9-]/gi, "")}` }, text);
}

/** A message line for errors and results. */
export function notice(text, kind = "error") {
  return h("p", { class: kind, role: kind === "error" ? "alert" : "status" }, text);
}
