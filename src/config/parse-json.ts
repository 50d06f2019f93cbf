import { lineAndColumn, syntaxErrorOffset } from "./json-syntax.ts";

export type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * `JSON.parse`, with a failure that says where and nothing else: `line 3, column 14`. The engine's
 * own message is never used, because it quotes a slice of the text, which may hold a secret.
 */
export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    const { line, column } = lineAndColumn(text, syntaxErrorOffset(text) ?? text.length);
    return { ok: false, error: `line ${line}, column ${column}` };
  }
}
