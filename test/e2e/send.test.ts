import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, type Relay, startRelay } from "../../tools/harness/index.ts";
import { credentialVars, DEMO_CREDENTIALS, PROVIDER_NAMES } from "../../tools/harness/samples.ts";
import { DEMO_TENCENT_ACCOUNT, tencentAccountVars } from "../../tools/harness/tencent-meeting.ts";

const SECRETS = { ...credentialVars(DEMO_CREDENTIALS), ...tencentAccountVars(DEMO_TENCENT_ACCOUNT) };

let relay: Relay;
let directory: string;
let vars: string;

/** `npm run send -- …` as a user runs it; resolves with its exit code and output. */
async function send(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["scripts/send.ts", ...args], {
      cwd: PROJECT_ROOT,
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "meeting-relay-send-"));
  vars = join(directory, ".dev.vars");
  await writeFile(
    vars,
    `${Object.entries(SECRETS)
      .map(([name, value]) => `${name}=${value}`)
      .join("\n")}\n`,
  );
  relay = await startRelay({ secrets: SECRETS });
});
afterAll(async () => {
  await relay?.stop();
  await rm(directory, { recursive: true, force: true });
});

describe("npm run send", () => {
  it.each(PROVIDER_NAMES)("sends a signed %s callback to a running relay and prints its answer", async (platform) => {
    const { code, stdout } = await send(platform, "--url", relay.url, "--vars", vars);
    expect(stdout).toContain(`POST ${relay.url}/webhooks/${platform}  (`);
    expect(stdout).toContain("ok: the relay answered as the platform expects");
    expect(stdout).not.toContain(DEMO_CREDENTIALS.yunhuniToken);
    expect(code).toBe(0);
  });

  it("signs for an account route, encrypting for an account with an EncodingAESKey", async () => {
    const { code, stdout } = await send(
      "tencent-meeting",
      "--account",
      "acme",
      "--event",
      "meeting.end",
      "--url",
      relay.url,
      "--vars",
      vars,
    );
    expect(stdout).toContain(
      `POST ${relay.url}/webhooks/tencent-meeting/acme  (Tencent Meeting meeting.end (encrypted))`,
    );
    expect(stdout).toContain("→ 200 successfully received callback");
    expect(code).toBe(0);
  });

  it("exits 1 showing the refusal when the relay runs with other credentials", async () => {
    const wrong = join(directory, "wrong.vars");
    await writeFile(wrong, "TIW_CALLBACK_KEY=not-the-relays-key\n");
    const { code, stdout } = await send("tencent-whiteboard", "--url", relay.url, "--vars", wrong);
    expect(stdout).toContain('→ 401 {"error":"Sign mismatch","code":"signature_invalid"');
    expect(stdout).toContain("not the answer the platform expects");
    expect(code).toBe(1);
  });

  it("exits 2 with the usage for an unknown platform, and names what is missing", async () => {
    const unknown = await send("zoom", "--vars", vars);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('npm run send: unknown platform "zoom"');
    expect(unknown.stderr).toContain("usage: npm run send -- <platform>");
    const missing = await send("yunhuni", "--account", "globex", "--url", relay.url, "--vars", vars);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("YUNHUNI_TOKEN_GLOBEX is not set in");
  });

  it("says how to start a relay when none answers", async () => {
    const { code, stderr } = await send("yunhuni", "--url", "http://127.0.0.1:9", "--vars", vars);
    expect(code).toBe(1);
    expect(stderr).toContain("no relay answered at http://127.0.0.1:9");
    expect(stderr).toContain("start one with npm run dev");
  });
});
