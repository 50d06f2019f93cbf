import { describe, expect, it } from "vitest";
import { parseJson } from "../../src/lib/json";

const where = (text: string) => {
  const parsed = parseJson(text);
  return parsed.ok ? "valid" : parsed.error;
};

describe("parseJson", () => {
  it("parses JSON", () => {
    expect(parseJson(' {"a": [1, -2.5e3, "x\\u00e9\\n", true, false, null]} ')).toEqual({
      ok: true,
      value: { a: [1, -2500, "xé\n", true, false, null] },
    });
  });

  it.each([
    ["", "line 1, column 1"],
    ["   ", "line 1, column 4"],
    ['{"a": 1,}', "line 1, column 9"],
    ['[\n  {"id": "crm"},\n  ]', "line 3, column 3"],
    ['{"a": "abc', "line 1, column 11"],
    ['{"a": "b\u0001"}', "line 1, column 9"],
    ['{"a": "\\q"}', "line 1, column 9"],
    ['{"a": "\\u12G4"}', "line 1, column 12"],
    ['{"a" 1}', "line 1, column 6"],
    ["{a: 1}", "line 1, column 2"],
    ["[01]", "line 1, column 3"],
    ["[1.]", "line 1, column 4"],
    ["[1e+]", "line 1, column 5"],
    ["[-]", "line 1, column 3"],
    ["[tru]", "line 1, column 5"],
    ["[nul", "line 1, column 5"],
    ['{"a":1}}', "line 1, column 8"],
    ['{"a":1} x', "line 1, column 9"],
    ["[1 2]", "line 1, column 4"],
    ["\uFEFF[]", "line 1, column 1"],
  ])("says where %j stops being JSON: %s", (text, position) => {
    expect(where(text)).toBe(position);
  });

  it("counts \\n, \\r\\n and \\r as one line break each, and a character outside the BMP as one column", () => {
    expect(where('[\r\n1,\r2,\n"😀😀" x]')).toBe("line 4, column 6");
  });

  it("never quotes the text, whatever the engine's own message would have said", () => {
    const secret = "sk_live_FAKE0123456789abcdef";
    for (const text of [
      `["${secret}",]`,
      `{"headers": {"authorization": "Bearer ${secret}"}},\n  ]`,
      `${secret}`,
      `{"a": "${secret}" x}`,
    ]) {
      const parsed = parseJson(text);
      expect(parsed.ok).toBe(false);
      expect(JSON.stringify(parsed)).not.toMatch(/FAKE|cdef|Bearer/);
      expect(parsed.ok ? "" : parsed.error).toMatch(/^line \d+, column \d+$/);
    }
  });

  it("handles deep nesting without recursion", () => {
    expect(where(`${"[".repeat(100_000)}${"]".repeat(99_999)}`)).toBe("line 1, column 200000");
  });
});
