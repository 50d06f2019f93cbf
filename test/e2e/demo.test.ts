import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { PROJECT_ROOT } from "../../tools/harness/index.ts";

it("npm run demo delivers every platform's sample and exits 0 by itself", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["scripts/demo.ts"], {
    cwd: PROJECT_ROOT,
    timeout: 90_000,
  });
  expect(stdout).toContain("delivered to the sink (9 of 9)");
  for (const provider of ["tencent-meeting", "huawei-meeting", "yunhuni", "tencent-whiteboard"]) {
    expect(stdout).toMatch(new RegExp(`✓ ${provider} `));
  }
  expect(stdout).toMatch(/^console {2}http:\/\/127\.0\.0\.1:\d+\/console /m);
  expect(stdout).toContain("demo ok: 9 callbacks from 4 platforms → 9 signed CloudEvents");
});
