/**
 * The exact text of one top-level member's value in a JSON object, as sent.
 *
 * Huawei signs `eventInfo` as the sender serialized it; re-serializing the parsed
 * object may not reproduce those bytes (spacing, key order, escapes), so the
 * signature is checked against the original substring. The scanner knows JSON
 * strings (escaped quotes, braces inside strings) and nesting; it expects text
 * that `JSON.parse` has already accepted, and returns `undefined` rather than
 * throwing if that is not so.
 */
type RawMember = { found: "one"; text: string } | { found: "none" } | { found: "several" } | undefined;

export function rawMemberText(json: string, name: string): RawMember {
  let i = skipSpace(json, 0);
  if (json[i] !== "{") return undefined;
  i = skipSpace(json, i + 1);
  const matches: string[] = [];
  if (json[i] === "}") return { found: "none" };
  for (;;) {
    if (json[i] !== '"') return undefined;
    const keyEnd = endOfString(json, i);
    if (keyEnd === -1) return undefined;
    const key = decodeKey(json.slice(i, keyEnd));
    i = skipSpace(json, keyEnd);
    if (json[i] !== ":") return undefined;
    const valueStart = skipSpace(json, i + 1);
    const valueEnd = endOfValue(json, valueStart);
    if (valueEnd === -1) return undefined;
    if (key === name) matches.push(json.slice(valueStart, valueEnd));
    i = skipSpace(json, valueEnd);
    if (json[i] === "}") break;
    if (json[i] !== ",") return undefined;
    i = skipSpace(json, i + 1);
  }
  const [only] = matches;
  if (only === undefined) return { found: "none" };
  return matches.length === 1 ? { found: "one", text: only } : { found: "several" };
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function skipSpace(json: string, from: number): number {
  let i = from;
  while (i < json.length && isSpace(json.charCodeAt(i))) i++;
  return i;
}

/** `json[from]` is `"`; the index just past the closing quote, or -1. */
function endOfString(json: string, from: number): number {
  for (let i = from + 1; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code === 0x5c)
      i++; // backslash: skip the escaped character (`\"`, `\\`, the `u` of `\uXXXX`)
    else if (code === 0x22) return i + 1;
  }
  return -1;
}

/** The index just past the value that starts at `from`, or -1. */
function endOfValue(json: string, from: number): number {
  const first = json[from];
  if (first === '"') return endOfString(json, from);
  if (first === "{" || first === "[") {
    let depth = 0;
    for (let i = from; i < json.length; i++) {
      const char = json[i];
      if (char === '"') {
        const end = endOfString(json, i);
        if (end === -1) return -1;
        i = end - 1;
      } else if (char === "{" || char === "[") depth++;
      else if (char === "}" || char === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // Number, true, false or null: runs until a delimiter.
  let i = from;
  while (i < json.length && !isSpace(json.charCodeAt(i)) && !",}]".includes(json[i] as string)) i++;
  return i === from ? -1 : i;
}

/** A key as JSON text (`"event\u0049nfo"`) to its value, so escaped spellings are recognized too. */
function decodeKey(quoted: string): string | undefined {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return undefined;
  }
}
