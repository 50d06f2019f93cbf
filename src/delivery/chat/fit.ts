import { encodeUtf8 } from "../../lib/bytes";
import type { ChatContent } from "./content";

const ELLIPSIS = "…";

/** At most `max` characters (code points, so no emoji is split), the last one an ellipsis when cut. */
export function cutChars(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(max - 1, 0)).join("")}${ELLIPSIS}`;
}

/** One line of plain text: line breaks, tabs and other control characters become spaces. */
export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
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
 * else fits, the headline alone, cut.
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
  return render({ title: cutChars(content.title, MIN_TITLE_CHARS), lines: [], links: [] });
}

function shrink(content: ChatContent): ChatContent {
  const longest = Math.max(...[content.title, ...content.lines.map((line) => line.value)].map((text) => text.length));
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
