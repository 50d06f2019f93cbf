import { type ChildProcess, spawnSync } from "node:child_process";

/**
 * Child processes that run in their own process group (spawned with
 * `detached: true`): stopped as a group, and killed as a last resort when the
 * test process exits or is interrupted.
 */

/** SIGTERM to the group, then SIGKILL if it has not exited within 5 s. */
export async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) signalGroup(child.pid, "SIGTERM");
  const timedOut = await Promise.race([exited.then(() => false), sleepThen(5_000, true)]);
  // workerd may outlive wrangler; the group kill takes it along either way.
  signalGroup(child.pid, timedOut ? "SIGKILL" : "SIGTERM");
  if (timedOut) await Promise.race([exited, sleepThen(2_000, undefined)]);
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

function sleepThen<T>(ms: number, value: T): Promise<T> {
  return new Promise((done) => setTimeout(() => done(value), ms).unref());
}

/* Last-resort cleanup: relays still running when the test process exits or is interrupted. */
const running = new Set<ChildProcess>();

function killAll(): void {
  for (const child of running) if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
  running.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  uninstall();
  // Let the signal do what it would have done without us.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  process.on("exit", killAll);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

function uninstall(): void {
  process.off("exit", killAll);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
}

export function track(child: ChildProcess): void {
  if (running.size === 0) install();
  running.add(child);
}

export function untrack(child: ChildProcess): void {
  running.delete(child);
  if (running.size === 0) uninstall();
}
