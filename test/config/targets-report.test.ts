import { describe, expect, it } from "vitest";
import { reportTargets } from "../../src/config/targets-report";

const strict = { allowInsecureTargets: false };

describe("reportTargets (npm run validate-targets)", () => {
  it("refuses what PUT /admin/targets refuses before validating: over 1 MiB, or nested past 64 levels", () => {
    // Valid targets, padded past 1 MiB with a long header value: the admin API answers 413 for it.
    const big = JSON.stringify([{ id: "a", url: "https://a.example", headers: { "x-pad": "é".repeat(524_288) } }]);
    expect(reportTargets(big, "targets.json", strict)).toEqual({
      ok: false,
      lines: [`targets.json: $: ${new TextEncoder().encode(big).byteLength} bytes; the relay takes at most 1048576`],
    });
    const deep = `[${"[".repeat(70)}${"]".repeat(70)}]`;
    expect(reportTargets(deep, "targets.json", strict)).toEqual({
      ok: false,
      lines: ["targets.json: $: targets document nests JSON deeper than 64 levels"],
    });
  });

  it("counts the targets of a valid file", () => {
    const text = JSON.stringify([
      { id: "a", url: "https://a.example" },
      { id: "b", url: "https://b.example" },
    ]);
    expect(reportTargets(text, "targets.json", strict)).toEqual({ ok: true, lines: ["ok: 2 targets"] });
  });

  it("prints every problem with the file and its JSON path, then the count", () => {
    const text = JSON.stringify([{ id: "a", url: "http://localhost:9000" }, { url: "https://b.example" }]);
    expect(reportTargets(text, "targets.json", strict)).toEqual({
      ok: false,
      lines: [
        "targets.json: $[0].url: http:// targets need ALLOW_INSECURE_TARGETS=true (local development only)",
        "targets.json: $[1].id: id is required",
        "2 problems in targets.json",
      ],
    });
    expect(reportTargets(text, "targets.json", { allowInsecureTargets: true }).lines).toEqual([
      "targets.json: $[1].id: id is required",
      "1 problem in targets.json",
    ]);
  });

  it("says where a file stops being JSON", () => {
    expect(reportTargets("[\n  {]", "t.json", strict)).toEqual({
      ok: false,
      lines: ["t.json: $: not valid JSON: line 2, column 4"],
    });
  });
});
