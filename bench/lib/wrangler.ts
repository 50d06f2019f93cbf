import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../tools/harness/ports.ts";
import { descendantsNamed } from "../../tools/harness/proc-stat.ts";
import { hasExited, startGroup, stopGroup } from "../../tools/harness/processes.ts";
import { WRANGLER_CLI, wrangler, wranglerEnv } from "../../tools/harness/wrangler.ts";
import { REPO } from "./paths.ts";

/** `wrangler deploy --dry-run`: the exact bundle a deploy would upload, written to `outdir`. */
export async function buildBundle(configPath: string, outdir: string, runDir: string): Promise<string> {
  await wrangler(["deploy", "--dry-run", "-c", configPath, "--outdir", outdir], runDir);
  const modules = readdirSync(outdir).filter((file) => file.endsWith(".js"));
  if (modules.length !== 1) throw new Error(`expected one module in ${outdir}, found: ${modules.join(", ")}`);
  return join(outdir, modules[0] as string);
}

export interface DevServer {
  name: string;
  url: string;
  /** The workerd that runs the Worker: its CPU is the Worker's cost. */
  runtimePid: number;
  /** wrangler dev's own proxy workerd in front of it (absent in production). */
  proxyPid: number;
  logPath: string;
  stop(): Promise<void>;
}

/**
 * `wrangler dev` on a free port, with the same flags for every server (the floor and
 * the relay differ only in their config), ready once `readyPath` answers.
 */
export async function startDev(
  name: string,
  configPath: string,
  { runDir, persistTo, readyPath }: { runDir: string; persistTo: string; readyPath: string },
): Promise<DevServer> {
  const port = await freePort();
  const inspectorPort = await freePort();
  const logPath = join(runDir, `${name}.log`);
  const args = ["--no-warnings", WRANGLER_CLI, "dev", "-c", configPath, "--no-bundle"];
  args.push("--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort));
  args.push("--persist-to", persistTo);
  const started = startGroup(process.execPath, args, { cwd: REPO, env: wranglerEnv(runDir), logPath });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(started, `${url}${readyPath}`, logPath);
    const { runtimePid, proxyPid } = await findWorkerd(started.pid, port);
    return { name, url, runtimePid, proxyPid, logPath, stop: () => stopGroup(started) };
  } catch (error) {
    await stopGroup(started);
    throw error;
  }
}

async function waitReady(started: ChildProcess, url: string, logPath: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (hasExited(started)) throw new Error(`wrangler dev exited early:\n${tail(logPath)}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`wrangler dev did not answer ${url} within 90 s:\n${tail(logPath)}`);
}

/**
 * wrangler dev runs two workerd processes: a proxy on the public port and the one
 * that runs the Worker (its entry socket is on an ephemeral port).
 */
async function findWorkerd(wranglerPid: number, port: number): Promise<{ runtimePid: number; proxyPid: number }> {
  for (let tries = 0; tries < 20; tries++) {
    const workerds = descendantsNamed(wranglerPid, "workerd");
    const proxy = workerds.find((w) => w.cmdline.includes(`entry=127.0.0.1:${port} `));
    const runtime = workerds.filter((w) => w !== proxy);
    if (proxy && runtime.length === 1 && runtime[0]) return { runtimePid: runtime[0].pid, proxyPid: proxy.pid };
    await sleep(250);
  }
  throw new Error(`expected two workerd processes under wrangler (pid ${wranglerPid})`);
}

function tail(path: string, lines = 30): string {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
