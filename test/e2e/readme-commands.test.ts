import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../tools/harness/index.ts";

const read = (path: string) => readFileSync(join(PROJECT_ROOT, path), "utf8");

/** The commands of a shell block or script: its lines without comments, blanks or shell set-up. */
function commands(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.replace(/\s+#.*$/, "").trim())
    .filter((line) => /^npm /.test(line));
}

describe("README's first commands", () => {
  it("show install, run and test at the top, and the test command is exactly what CI runs", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(read("README.md"))?.[1] ?? "";
    expect(commands(firstBlock)).toEqual(["npm ci", "npm run dev", "npm test"]);
    expect(commands(read(".ci/run"))).toEqual(["npm ci", "npm test"]);
  });
});
