/**
 * `npm run test:mutations [-- <name filter>]`: proves the suite can fail where it matters. Each
 * mutation below breaks one guard of the relay (follows redirects, raises a Cloudflare limit
 * tenfold, skips a signature check, forgets the dedup marker, delivers to a paused target…), on a
 * clean copy of the working tree, and runs the tests that guard it. A mutation the tests do not
 * catch (they stay green) is a guard nobody tests: the script lists it and exits 1. Not part of
 * `npm test` (each mutation starts Vitest once: a few minutes in all).
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MUTATIONS, type Mutation } from "./mutations-list.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The working tree as git sees it (tracked and new files, nothing ignored), copied; node_modules linked. */
function cleanCopy(): string {
  const copy = mkdtempSync(join(tmpdir(), "meeting-relay-mutant-"));
  const listed = spawnSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split("\0").filter(Boolean)) {
    try {
      cpSync(join(ROOT, file), join(copy, file), { recursive: true });
    } catch {
      // Listed but deleted in the working tree: not part of it.
    }
  }
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"), "dir");
  return copy;
}

function apply(copy: string, mutation: Mutation): void {
  for (const change of mutation.changes) {
    const path = join(copy, change.file);
    const text = readFileSync(path, "utf8");
    const at = text.indexOf(change.find);
    if (at === -1 || text.indexOf(change.find, at + 1) !== -1) {
      throw new Error(`${mutation.name}: "${change.find}" is not in ${change.file} exactly once; update the mutation`);
    }
    writeFileSync(path, text.slice(0, at) + change.replace + text.slice(at + change.find.length));
  }
}

function run(copy: string, mutation: Mutation): { caught: boolean; summary: string } {
  const result = spawnSync("npx", ["vitest", "run", "--project", mutation.project ?? "workers", ...mutation.tests], {
    cwd: copy,
    encoding: "utf8",
    env: { ...process.env, CI: "true", FORCE_COLOR: "0", NO_COLOR: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are escape sequences
  const output = `${result.stdout}\n${result.stderr}`.replace(/\u001b\[[0-9;]*m/g, "");
  const summary = output.match(/Tests\s+.*$/m)?.[0].trim() ?? `exit ${result.status}`;
  if (!/Test Files/.test(output)) throw new Error(`${mutation.name}: vitest did not run:\n${output.slice(-3000)}`);
  return { caught: result.status !== 0, summary };
}

function main(): number {
  const filter = process.argv.slice(2).join(" ").toLowerCase();
  const chosen = MUTATIONS.filter((mutation) => mutation.name.toLowerCase().includes(filter));
  const survivors: string[] = [];
  for (const mutation of chosen) {
    const copy = cleanCopy();
    try {
      apply(copy, mutation);
      const started = Date.now();
      const { caught, summary } = run(copy, mutation);
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(`${caught ? "caught  " : "SURVIVED"}  ${mutation.name}  (${summary}; ${seconds} s)`);
      if (!caught) survivors.push(mutation.name);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }
  console.log(`\n${chosen.length - survivors.length} of ${chosen.length} mutations caught`);
  if (survivors.length > 0) console.log(`survived (a guard no test checks):\n- ${survivors.join("\n- ")}`);
  return survivors.length === 0 && chosen.length > 0 ? 0 : 1;
}

process.exitCode = main();
