export type JsonResult = { ok: true; value: unknown } | { ok: false; error: string };

/** `JSON.parse` with a message that says where, but never quotes the text (it may hold secrets). */
export function parseJson(text: string): JsonResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 sometimes quotes a slice of the input: `Unexpected token 'o', "nope" is not valid JSON`.
    return { ok: false, error: message.replace(/, ".*" is not valid JSON$/s, "").replace(" in JSON", "") };
  }
}
