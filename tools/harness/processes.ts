import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { allStats } from "./proc-stat.ts";

/**
 * Child processes that run in their own process group (spawned with `detached: true`), so a signal
 * to `-pid` reaches wrangler, its node child and the workerd processes, and nothing else on a shared
 * machine: stopped as a group, and killed as a last resort when Node exits or is interrupted.
 */

/** Starts a command in its own process group, stdout and stderr appended to `logPath`; tracked until stopped. */
export function startGroup(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logPath: string },
): ChildProcess & { pid: number } {
  const log = openSync(options.logPath, "a");
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  track(child);
  return child as ChildProcess & { pid: number };
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * SIGTERM to the group, then SIGKILL to whatever is left of it after `graceMs`; resolves once the
 * group is gone (on Linux every process of it, read from `/proc`: workerd may outlive wrangler).
 * Safe to call twice.
 */
export async function stopGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || !running.has(child)) return;
  signalGroup(pid, "SIGTERM");
  await whileAlive(child, graceMs);
  // Elsewhere only the leader's exit is seen: signal the group once more to take the rest along.
  signalGroup(pid, groupAlive(child) ? "SIGKILL" : "SIGTERM");
  await whileAlive(child, 2_000);
  untrack(child);
}

/** Stops every group started here and still running. */
export async function stopAllGroups(): Promise<void> {
  await Promise.all([...running].map((child) => stopGroup(child)));
}

/** Last resort on exit or a signal: synchronous SIGKILL of every group still running. */
export function killAllGroupsNow(): void {
  for (const child of running) if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
  running.clear();
  uninstall();
}

async function whileAlive(child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  // Not unref'd: once the leader has exited, this timer may be all that keeps Node waiting for the rest of the group.
  while (Date.now() < deadline && groupAlive(child)) await new Promise((done) => setTimeout(done, 100));
}

function groupAlive(child: ChildProcess): boolean {
  if (process.platform !== "linux") return !hasExited(child);
  return allStats().some((stat) => stat.pgid === child.pid && stat.state !== "Z");
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (process.platform === "win32") {
    // No process groups on Windows: end the tree instead.
    spawnSync("taskkill", ["/pid", String(pid), "/T", "/F"], { stdio: "ignore", windowsHide: true });
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/* Last-resort cleanup: groups still running when the process exits or is interrupted. */
const running = new Set<ChildProcess>();

function onSignal(signal: NodeJS.Signals): void {
  killAllGroupsNow();
  // Let the signal do what it would have done without us.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  process.on("exit", killAllGroupsNow);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

function uninstall(): void {
  process.off("exit", killAllGroupsNow);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
}

/** Kills `child`'s group when Node exits or is interrupted before it is stopped. */
export function track(child: ChildProcess): void {
  if (running.size === 0) install();
  running.add(child);
}

function untrack(child: ChildProcess): void {
  running.delete(child);
  if (running.size === 0) uninstall();
}
