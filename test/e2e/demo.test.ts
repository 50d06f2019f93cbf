import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { PROJECT_ROOT } from "../../tools/harness/index.ts";

it("npm run demo delivers every platform's sample, shows each chat bot's message, and exits 0 by itself", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["scripts/demo.ts"], {
    cwd: PROJECT_ROOT,
    timeout: 90_000,
  });
  expect(stdout).toContain("delivered to the sink (9 of 9)");
  for (const provider of ["tencent-meeting", "huawei-meeting", "yunhuni", "tencent-whiteboard"]) {
    expect(stdout).toMatch(new RegExp(`✓ ${provider} `));
  }
  expect(stdout).toMatch(/^console {2}http:\/\/127\.0\.0\.1:\d+\/console /m);
  // Each chat bot (a local fake that checks the platform's signature and shape) got a message it would show.
  for (const kind of ["feishu", "dingtalk", "wecom", "slack"]) {
    expect(stdout).toMatch(new RegExp(`✓ ${kind} \\(\\d+ messages?, accepted as the real bot checks them\\)`));
  }
  expect(stdout).toContain("会议开始了");
  expect(stdout).toContain("demo ok: 9 callbacks from 4 platforms → 9 signed CloudEvents");
});
