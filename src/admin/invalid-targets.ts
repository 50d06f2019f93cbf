import { nestingProblem, type Problem } from "../config/targets";
import { parseJson } from "../lib/json";
import { maskTargets, maskValue } from "./mask";

/** A problem of the stored document, with where it sits in the text the admin API answers. */
interface PlacedProblem extends Problem {
  line: number;
  column: number;
}

/** How many deliveries wait for a valid document, since when (`null` when none was seen lately). */
interface Waiting {
  count: number;
  since: string;
  approximate: true;
}

/** The answer of `GET /admin/targets` while the stored document is invalid. */
interface InvalidTargets {
  invalid: true;
  /** The stored text, every write-only value masked; the problems' lines and columns are in this text. */
  text: string;
  problems: PlacedProblem[];
  waiting: Waiting | null;
}

type Place = { line: number; column: number };

/**
 * An invalid stored document as the console can show and fix it. When it parses, the text is the
 * document indented as a PUT stores it, masked as GET masks a valid one, and each problem's path is
 * placed on its line; when it does not parse, the stored text itself with secret-looking values
 * masked by pattern (its lines unchanged), and the one problem at the syntax error (at the start,
 * for a document nested too deep to lay out).
 */
export function invalidTargets(stored: string, problems: readonly Problem[], waiting: Waiting | null): InvalidTargets {
  const parsed = parseJson(stored);
  // Too deep to lay out (the walk below recurses): shown as stored.
  if (!parsed.ok || nestingProblem(parsed.value)) {
    const text = maskUnparsed(stored);
    const place = parsed.ok ? { line: 1, column: 1 } : { line: parsed.line, column: parsed.column };
    return {
      invalid: true,
      text,
      problems: problems.map((problem) => ({ ...problem, ...place })),
      waiting,
    };
  }
  const { text, places } = laidOut(maskTargets(parsed.value));
  return {
    invalid: true,
    // Masked by pattern too: a document that is no list of targets (one target, a wrapped list) or has a
    // secret where no valid target has one (`secrets`, headers as lines) is not masked by its fields alone.
    text: maskUnparsed(text),
    problems: problems.map((problem) => ({ ...problem, ...placeOf(places, problem.path) })),
    waiting,
  };
}

const PLAIN_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * `JSON.stringify(value, null, 2)` plus a trailing newline, noting where each value starts (a
 * member: where its key starts). Members are noted under both path spellings (`.name`, `["name"]`).
 */
function laidOut(value: unknown): { text: string; places: Map<string, Place> } {
  const places = new Map<string, Place>();
  const parts: string[] = [];
  let line = 1;
  const put = (part: string) => {
    parts.push(part);
    for (let at = part.indexOf("\n"); at !== -1; at = part.indexOf("\n", at + 1)) line++;
  };
  const pad = (depth: number) => " ".repeat(depth * 2);
  const walk = (item: unknown, path: string, depth: number) => {
    if (Array.isArray(item) && item.length > 0) {
      put("[");
      item.forEach((child, index) => {
        put(`\n${pad(depth + 1)}`);
        places.set(`${path}[${index}]`, { line, column: depth * 2 + 3 });
        walk(child, `${path}[${index}]`, depth + 1);
        if (index < item.length - 1) put(",");
      });
      put(`\n${pad(depth)}]`);
    } else if (typeof item === "object" && item !== null && !Array.isArray(item) && Object.keys(item).length > 0) {
      const entries = Object.entries(item);
      put("{");
      entries.forEach(([key, child], index) => {
        put(`\n${pad(depth + 1)}`);
        const place = { line, column: depth * 2 + 3 };
        const bracket = `${path}[${JSON.stringify(key)}]`;
        places.set(bracket, place);
        if (PLAIN_NAME.test(key)) places.set(`${path}.${key}`, place);
        put(`${JSON.stringify(key)}: `);
        walk(child, PLAIN_NAME.test(key) ? `${path}.${key}` : bracket, depth + 1);
        // The bracket spelling's children too, for paths that spell this member with brackets.
        if (PLAIN_NAME.test(key)) {
          for (const [childPath, childPlace] of [...places]) {
            if (childPath.startsWith(`${path}.${key}`) && /^[.[]/.test(childPath.slice(`${path}.${key}`.length))) {
              places.set(bracket + childPath.slice(`${path}.${key}`.length), childPlace);
            }
          }
        }
        if (index < entries.length - 1) put(",");
      });
      put(`\n${pad(depth)}}`);
    } else {
      put(JSON.stringify(item) ?? "null");
    }
  };
  places.set("$", { line: 1, column: 1 });
  walk(value, "$", 0);
  put("\n");
  return { text: parts.join(""), places };
}

/** A path's place, else its nearest ancestor's (a missing member is shown at its object). */
function placeOf(places: Map<string, Place>, path: string): Place {
  for (let current = path; current; current = parentOf(current)) {
    const place = places.get(current);
    if (place) return place;
  }
  return { line: 1, column: 1 };
}

function parentOf(path: string): string {
  const match = /^(.+?)(?:\.[A-Za-z_$][A-Za-z0-9_$]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])$/.exec(path);
  return match?.[1] ?? "";
}

/** A JSON string literal, escapes included. */
const STRING = String.raw`"(?:[^"\\\n]|\\.)*"`;
/** `"secret": "…"` and each string of `"secret": ["…", "…"]`, under any name with `secret` in it; headers as a list. */
const SECRET_MEMBER = new RegExp(
  String.raw`("(?:[^"\\\n]*secret[^"\\\n]*|headers)"\s*:\s*)(${STRING}|\[(?:${STRING}|[^\]"])*\]?)`,
  "gi",
);
/** Every value in a `"headers": { … }` object (up to the first `}` outside a string). */
const HEADERS_MEMBER = new RegExp(String.raw`("headers"\s*:\s*)\{(?:${STRING}|[^}"])*\}?`, "g");
const MEMBER_VALUE = new RegExp(String.raw`(${STRING}\s*:\s*)(${STRING})`, "g");
const ANY_STRING = new RegExp(STRING, "g");
/** A signing secret anywhere else, quoted or not. */
const WHSEC = /whsec_[A-Za-z0-9+/=_-]+/g;
/** A URL's path past its host and its query: where chat webhooks keep their tokens. */
const URL_MEMBER = /("url"\s*:\s*")(https?:\/\/[^/"\s?#]+)([^"\n]*)(")/g;
const CHAT_KIND = /"kind"\s*:\s*"(?!webhook")/;
/** A URL's path masked already (as GET masks a chat target's URL): left as it is. */
const MASKED_PATH = /^\/…[^/…]{0,4}$/;

/**
 * A stored text that does not parse, with every value that may be a secret masked by pattern: each
 * `secret` string, each header value, any `whsec_…` and, for a target with a chat `kind`, its URL past
 * the host (the bot's token lives there). Only the masked strings change: lines stay where they were.
 */
function maskUnparsed(text: string): string {
  const maskString = (literal: string) => {
    let inner: string;
    try {
      inner = JSON.parse(literal) as string;
    } catch {
      inner = literal.slice(1, -1);
    }
    return JSON.stringify(maskValue(inner));
  };
  return targetSpans(text)
    .map((part) =>
      CHAT_KIND.test(part)
        ? part.replace(URL_MEMBER, (_all, head: string, origin: string, rest: string, close: string) =>
            rest && rest !== "/" && !MASKED_PATH.test(rest)
              ? `${head}${origin}/…${close}`
              : `${head}${origin}${rest}${close}`,
          )
        : part,
    )
    .join("")
    .replace(SECRET_MEMBER, (_all, head: string, value: string) => head + value.replace(ANY_STRING, maskString))
    .replace(HEADERS_MEMBER, (block: string) =>
      block.replace(MEMBER_VALUE, (_all, head: string, value: string) => head + maskString(value)),
    )
    .replace(WHSEC, (secret) => (secret.includes("…") ? secret : maskValue(secret)));
}

/**
 * The text cut where each object of the top-level array ends (a `}` back at depth 1, outside any
 * string), so that each piece holds one target whole, whatever order its members come in. The
 * pieces joined are the text.
 */
function targetSpans(text: string): string[] {
  const spans: string[] = [];
  let start = 0;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === "\\") i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === "{" || char === "[") depth++;
    else if (char === "}" || char === "]") {
      depth--;
      if (char === "}" && depth === 1) {
        spans.push(text.slice(start, i + 1));
        start = i + 1;
      }
    }
  }
  spans.push(text.slice(start));
  return spans;
}
