/** A run of 16 digits: every integer past 2^53 (9007199254740992, 16 digits) has one. */
const LONG_DIGITS = /\d{16}/;

/**
 * The integer literals of JSON text that parsing does not keep exactly (past 2^53), as sent and in
 * order; empty for almost every callback, which is told by one regular-expression test.
 *
 * `JSON.parse` rounds `12345678901234567891` and `…892` to the same double, so a dedup identity made
 * of the parsed value alone would give two different events one id, and the second would be dropped
 * as a repeat. Adding these literals to the identity keeps them apart, while a platform's retry (the
 * same digits) keeps its id. Digits inside strings are text and are skipped; the text is JSON that
 * `JSON.parse` has already accepted.
 */
export function inexactIntegers(json: string): string[] {
  if (!LONG_DIGITS.test(json)) return [];
  const found: string[] = [];
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code === 0x22) {
      // A string: skip to its closing quote (a backslash escapes the next character).
      for (i++; i < json.length && json.charCodeAt(i) !== 0x22; i++) if (json.charCodeAt(i) === 0x5c) i++;
    } else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
      let end = i + 1;
      while (end < json.length && /[0-9.eE+-]/.test(json[end] as string)) end++;
      const literal = json.slice(i, end);
      if (/^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal))) found.push(literal);
      i = end - 1;
    }
  }
  return found;
}
