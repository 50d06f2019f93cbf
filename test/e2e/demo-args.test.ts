import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";
import { PROJECT_ROOT } from "../../tools/harness/index.ts";

it("npm run demo refuses an option it does not know, with its usage, before starting anything", () => {
  const result = spawnSync(process.execPath, ["scripts/demo.ts", "--kep"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    timeout: 90_000,
  });
  expect(result.stdout).not.toContain("relay    http://");
  expect(result.stderr).toContain("usage: npm run demo [-- --keep]");
  expect(result.status).toBe(2);
});
