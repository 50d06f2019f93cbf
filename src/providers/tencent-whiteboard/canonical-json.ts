/**
 * JSON text with object keys sorted (plain code-unit order), at every level, and no whitespace:
 * the same value always gives the same text, whatever key order the sender used. Used for the
 * whiteboard's dedup identity. Written with an explicit stack, not recursion, so no nesting depth
 * can overflow the call stack; members whose value is `undefined` are left out and `undefined`
 * array items become `null`, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  let out = "";
  // Each entry is a value still to write, or literal text (a separator or closing bracket).
  const stack: ({ text: string } | { value: unknown })[] = [{ value }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    if ("text" in next) {
      out += next.text;
      continue;
    }
    const current = next.value;
    if (Array.isArray(current)) {
      out += "[";
      stack.push({ text: "]" });
      for (let i = current.length - 1; i >= 0; i--) {
        stack.push({ value: current[i] ?? null });
        if (i > 0) stack.push({ text: "," });
      }
    } else if (typeof current === "object" && current !== null) {
      const record = current as Record<string, unknown>;
      const keys = Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort();
      out += "{";
      stack.push({ text: "}" });
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        stack.push({ value: record[key] });
        stack.push({ text: `${i > 0 ? "," : ""}${JSON.stringify(key)}:` });
      }
    } else {
      out += JSON.stringify(current) ?? "null";
    }
  }
  return out;
}
