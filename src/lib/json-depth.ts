/**
 * How deep JSON may nest in a request body. No platform nests its events more than a few levels;
 * the limit keeps every later step (signature forms, the queue's serialization, delivery) far from
 * the depth at which a recursive serializer runs out of stack, without parsing anything first.
 */
export const MAX_JSON_DEPTH = 64;

/** Whether `text` opens more than `limit` arrays or objects inside one another. Brackets in strings do not count. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  // Nesting deeper than `limit` takes more than `limit` opening brackets: most bodies have far fewer,
  // and counting them with the runtime's own search is cheaper than reading every character here.
  if (openingBrackets(text, limit + 1) <= limit) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c)
        i++; // a backslash escapes the next character, a quote included
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      if (++depth > limit) return true;
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
  return false;
}

/** How many `{` and `[` `text` holds (inside strings too), counted up to `enough`. */
function openingBrackets(text: string, enough: number): number {
  let count = 0;
  for (const bracket of ["{", "["]) {
    for (let at = text.indexOf(bracket); at >= 0 && count < enough; at = text.indexOf(bracket, at + 1)) count++;
  }
  return count;
}

/** Whether a parsed JSON value holds more than `limit` arrays or objects inside one another. No recursion. */
export function valueNestsDeeperThan(value: unknown, limit: number): boolean {
  // Two stacks side by side (what is left to look at, and how deep it sits): no object per node.
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const next = values.pop();
    const depth = (depths.pop() ?? 0) + 1;
    if (typeof next !== "object" || next === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(next) ? next : Object.values(next)) {
      if (typeof child !== "object" || child === null) continue;
      values.push(child);
      depths.push(depth);
    }
  }
  return false;
}
