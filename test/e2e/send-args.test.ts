import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../tools/harness/index.ts";

const directory = mkdtempSync(join(tmpdir(), "meeting-relay-send-args-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const YUNHUNI_TOKEN = "send-args-yunhuni-token";
const vars = join(directory, ".dev.vars");
writeFileSync(
  vars,
  [
    `YUNHUNI_TOKEN=${YUNHUNI_TOKEN}`,
    "YUNHUNI_TOKEN_YUNHUNI=send-args-account-token",
    "TENCENT_MEETING_TOKEN_TENCENT=send-args-tencent-token",
    "",
  ].join("\n"),
);

/** Nothing listens on port 9: each run stops at the request, after printing where it sent it. */
const NO_RELAY = "http://127.0.0.1:9";

/** `npm run send -- …` as a user runs it; no relay is needed for what these tests look at. */
function send(...args: string[]) {
  const result = spawnSync(process.execPath, ["scripts/send.ts", ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("npm run send on bad arguments", () => {
  it("exits 2 with the usage, not a stack trace, for an unknown option or an option without its value", () => {
    for (const args of [
      ["yunhuni", "--vars", vars, "--acount", "acme"],
      ["yunhuni", "--vars", vars, "--account"],
    ]) {
      const result = send(...args);
      expect(result.stderr).toContain("usage: npm run send -- <platform>");
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.status).toBe(2);
    }
  });

  it("refuses a --url that is not an http(s) address, without printing the Yunhuni token", () => {
    for (const url of ["relay.local", "localhost:8787"]) {
      const result = send("yunhuni", "--vars", vars, "--url", url);
      expect(result.stderr).toContain(`npm run send: --url must be an http:// or https:// address, got "${url}"`);
      expect(result.stdout + result.stderr).not.toContain(YUNHUNI_TOKEN);
      expect(result.status).toBe(2);
    }
  });

  it("refuses an account the relay never routes: previous, or a name ending in _previous", () => {
    for (const account of ["previous", "acme_previous"]) {
      const result = send("yunhuni", "--vars", vars, "--account", account, "--url", NO_RELAY);
      expect(result.stderr).toContain("not previous or …_previous (those name a credential's previous value)");
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.status).toBe(2);
    }
  });

  it("names a --vars that is not a file, without a stack trace", () => {
    const result = send("yunhuni", "--vars", directory, "--url", NO_RELAY);
    expect(result.stderr).toContain(`npm run send: cannot read ${directory}`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.status).toBe(2);
  });
});

describe("npm run send --account", () => {
  it("posts to the account route even when the account's name appears in the platform's path", () => {
    const tencent = send("tencent-meeting", "--account", "tencent", "--vars", vars, "--url", NO_RELAY);
    expect(tencent.stdout).toContain(`POST ${NO_RELAY}/webhooks/tencent-meeting/tencent  (`);
    const yunhuni = send("yunhuni", "--account", "yunhuni", "--vars", vars, "--url", NO_RELAY);
    expect(yunhuni.stdout).toContain(`POST ${NO_RELAY}/webhooks/yunhuni/yunhuni  (`);
  });
});

describe("npm run send --help", () => {
  it("prints the usage and exits 0", () => {
    const result = send("--help");
    expect(result.stdout).toContain("usage: npm run send -- <platform>");
    expect(result.status).toBe(0);
  });
});

describe("npm run send reads .dev.vars as wrangler dev does", () => {
  it("leaves out a comment after an unquoted value", async () => {
    const commented = join(directory, "commented.vars");
    writeFileSync(commented, "YUNHUNI_TOKEN=plain-token   # from the notify URL\n");
    const urls: string[] = [];
    const server = createServer((request, response) => {
      urls.push(request.url ?? "");
      response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const child = spawn(process.execPath, ["scripts/send.ts", "yunhuni", "--url", url, "--vars", commented], {
        cwd: PROJECT_ROOT,
      });
      await new Promise((resolve) => child.once("exit", resolve));
      expect(urls).toEqual(["/webhooks/yunhuni?token=plain-token"]);
    } finally {
      server.close();
    }
  });
});
