import { encodeUtf8 } from "../../lib/bytes";
import type { ChatContent } from "./content";

const ELLIPSIS = "…";

/** At most `max` characters (code points, so no emoji is split), the last one an ellipsis when cut. */
export function cutChars(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(max - 1, 0)).join("")}${ELLIPSIS}`;
}

/** Characters as {@link cutChars} counts them: code points, so an emoji is one. */
const charCount = (text: string) => Array.from(text).length;

/**
 * `text` escaped, cut (by {@link cutChars}) to the most characters whose escaped form is at most `max`
 * UTF-16 units: a field a chat limits is measured as sent, after escaping has lengthened it (Slack's
 * `&` is five units once it is `&amp;`, an emoji two). UTF-16 units are never fewer than code points,
 * so the result is within `max` whichever of the two a chat counts. Escaping never shortens a longer
 * cut, so the longest that fits is found by halving.
 */
export function escapedWithin(text: string, escapeText: (text: string) => string, max: number): string {
  const whole = escapeText(text);
  if (whole.length <= max) return whole;
  let fits = 0;
  let tooLong = charCount(text);
  while (tooLong - fits > 1) {
    const middle = (fits + tooLong) >> 1;
    if (escapeText(cutChars(text, middle)).length <= max) fits = middle;
    else tooLong = middle;
  }
  return escapeText(cutChars(text, fits));
}

/**
 * One line of plain text: line breaks, tabs and other control characters become spaces, and bidi
 * embeddings, overrides and isolates (invisible, yet they reorder the relay's words after them) go.
 */
export function oneLine(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes.
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
      .replace(/[\u202a-\u202e\u2066-\u2069]/g, "")
      .trim()
  );
}

export const utf8Bytes = (text: string) => encodeUtf8(text).byteLength;

/** Shrinking steps tried before falling back to the headline alone (each step is one render). */
const MAX_STEPS = 60;
/** The fallback's headline length: short enough for any chat's smallest field. */
const MIN_TITLE_CHARS = 40;
/** Texts are not cut below this; past it, links and lines go instead. */
const SHORTEST_CUT = 16;

/**
 * A chat's message for `content`, made to fit its limit (`size(message) <= max`): never refused for
 * length, cut instead. Each step cuts every text longer than three quarters of the longest (with an
 * ellipsis); once every text is short, the last half of the links go, then of the lines. If nothing
 * else fits, the headline alone, cut until it fits.
 */
export function fitted<T>(
  content: ChatContent,
  render: (content: ChatContent) => T,
  size: (message: T) => number,
  max: number,
): T {
  let current = content;
  for (let step = 0; step < MAX_STEPS; step++) {
    const message = render(current);
    if (size(message) <= max) return message;
    current = shrink(current);
  }
  // The headline alone is checked too: escaping can lengthen even a short one past a small limit.
  for (let chars = MIN_TITLE_CHARS; chars > 0; chars >>= 1) {
    const message = render({ title: cutChars(content.title, chars), lines: [], links: [] });
    if (size(message) <= max) return message;
  }
  throw new Error(`a chat limit of ${max} is too small for a one-character headline`);
}

function shrink(content: ChatContent): ChatContent {
  // Measured in the characters cutChars cuts. In UTF-16 units an emoji counts twice: a text of emoji
  // seemed longer than any cut below, was never cut, and the steps ran out before a link or line went.
  const longest = Math.max(...[content.title, ...content.lines.map((line) => line.value)].map(charCount));
  if (longest > SHORTEST_CUT) {
    const limit = Math.max(Math.floor(longest * 0.75), SHORTEST_CUT);
    return {
      ...content,
      title: cutChars(content.title, limit),
      lines: content.lines.map((line) => ({ ...line, value: cutChars(line.value, limit) })),
    };
  }
  if (content.links.length > 0) return { ...content, links: content.links.slice(0, content.links.length >> 1) };
  return { ...content, lines: content.lines.slice(0, content.lines.length >> 1) };
}
