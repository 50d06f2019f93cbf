import { lineAndColumn, syntaxErrorOffset } from "./json-syntax.ts";

type JsonResult = { ok: true; value: unknown } | { ok: false; error: string; line: number; column: number };

/**
 * `JSON.parse`, with a failure that says where and nothing else: `line 3, column 14`. The engine's
 * own message is never used, because it quotes a slice of the text, which may hold a secret.
 */
export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    const { line, column } = lineAndColumn(text, syntaxErrorOffset(text) ?? text.length);
    return { ok: false, error: `line ${line}, column ${column}`, line, column };
  }
}

/**
 * The value of JSON text, `undefined` when it is not JSON: for a platform's body, where the answer
 * to any unreadable body is the same and where it broke does not matter.
 */
export function jsonValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A JSON object: not `null`, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
