import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `npm run validate-targets -- <file>` as a user runs it: the real script under Node, no relay needed. */
function validate(document: unknown, args: string[] = [], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), "validate-targets-"));
  dirs.push(dir);
  const file = join(dir, "targets.json");
  writeFileSync(file, typeof document === "string" ? document : JSON.stringify(document, null, 2));
  const result = spawnSync(process.execPath, ["scripts/validate-targets.ts", file, ...args], {
    encoding: "utf8",
    env: { ...process.env, ALLOW_INSECURE_TARGETS: "", ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.replaceAll(file, "targets.json") };
}

describe("npm run validate-targets", () => {
  it("prints ok: N targets and exits 0 for a valid file", () => {
    const result = validate([
      { id: "crm", url: "https://crm.example.com/hooks", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
      { id: "audit", url: "https://audit.example.com/in", types: ["meeting.*"] },
    ]);
    expect(result).toMatchObject({ status: 0, stdout: "ok: 2 targets\n", stderr: "" });
  });

  it("prints every problem with its JSON path and exits 1", () => {
    const result = validate([
      { id: "crm", url: "http://crm.example.com/hooks" },
      { id: "crm", url: "https://b.example.com", providers: ["zoom"] },
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      "targets.json: $[0].url: url must use https:// (http:// is allowed only for localhost with ALLOW_INSECURE_TARGETS=true)",
      'targets.json: $[1].providers[0]: unknown provider "zoom" (known: tencent-meeting, huawei-meeting, yunhuni, tencent-whiteboard)',
      'targets.json: $[1].id: duplicate id "crm"',
      "3 problems in targets.json",
    ]);
  });

  it("refuses http://localhost unless --allow-insecure or ALLOW_INSECURE_TARGETS=true", () => {
    const local = [{ id: "sink", url: "http://127.0.0.1:9000/events" }];
    expect(validate(local).status).toBe(1);
    expect(validate(local, ["--allow-insecure"])).toMatchObject({ status: 0, stdout: "ok: 1 targets\n" });
    expect(validate(local, [], { ALLOW_INSECURE_TARGETS: "true" }).status).toBe(0);
  });

  it("accepts a target rotating its secret, and names a reserved header", () => {
    const rotating = {
      id: "crm",
      url: "https://crm.example.com/hooks",
      secret: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"],
    };
    expect(validate([rotating])).toMatchObject({ status: 0, stdout: "ok: 1 targets\n" });
    const result = validate([{ ...rotating, headers: { "User-Agent": "mine" } }]);
    expect(result.status).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      'targets.json: $[0].headers["User-Agent"]: header "User-Agent" is set by the relay and cannot be overridden (reserved: content-type, content-length, host, transfer-encoding, user-agent, webhook-*)',
      "1 problem in targets.json",
    ]);
  });

  it("says where a file stops being JSON and exits 1", () => {
    const result = validate('[\n  {"id": "crm",}\n]');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("targets.json: $: not valid JSON: line 2, column 16\n");
  });

  it("exits 2 with usage for a missing argument or an unknown flag", () => {
    for (const args of [[], ["a.json", "--strict"]]) {
      const result = spawnSync(process.execPath, ["scripts/validate-targets.ts", ...args], { encoding: "utf8" });
      expect(result.status).toBe(2);
      expect(result.stderr).toContain("usage: npm run validate-targets -- <targets.json> [--allow-insecure]");
    }
  });
});
