import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The project root (where wrangler.toml is). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** wrangler's own entry, run with the Node that runs us (what `node_modules/.bin/wrangler` runs). */
export const WRANGLER_CLI = join(PROJECT_ROOT, "node_modules", "wrangler", "wrangler-dist", "cli.js");

/**
 * The environment of every wrangler the harness, the demo and the benchmark start: no telemetry, no
 * `process.env` secrets, no file watching, and a private dev registry and log folder under `scratch`.
 */
export function wranglerEnv(scratch: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The Node that runs us (22, from node_modules) is the one wrangler's children find first.
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`,
    WRANGLER_SEND_METRICS: "false",
    // Other wrangler dev sessions on this machine (the demo, another test run) must not see these queues.
    WRANGLER_REGISTRY_PATH: join(scratch, "registry"),
    WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true",
    WRANGLER_LOG_PATH: join(scratch, "wrangler-logs"),
    WRANGLER_HIDE_BANNER: "true",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  delete env.CLOUDFLARE_INCLUDE_PROCESS_ENV;
  return env;
}

/** Runs one wrangler command to completion (a build, a KV put, migrations); throws with its output on failure. */
export async function wrangler(args: string[], scratch = tmpdir(), cwd = PROJECT_ROOT): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--no-warnings", WRANGLER_CLI, ...args], {
      cwd,
      env: wranglerEnv(scratch),
      maxBuffer: 16 * 1024 * 1024,
      timeout: 120_000,
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`wrangler ${args.join(" ")} failed:\n${stdout}${stderr}`);
  }
}
