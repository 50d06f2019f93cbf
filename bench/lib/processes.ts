import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Every process group the benchmark started. Each child is spawned detached, so it
 * leads its own group and a signal to `-pid` reaches wrangler, its node child and
 * both workerd processes, and nothing else on this shared machine.
 */
const groups = new Set<number>();

export interface Started {
  pid: number;
  child: ChildProcess;
  /** Set once the process has exited. */
  exited: () => boolean;
}

/** Starts a command in its own process group, stdout and stderr appended to `logPath`. */
export function startGroup(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logPath: string },
): Started {
  const log = openSync(options.logPath, "a");
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  groups.add(pid);
  let done = false;
  child.on("exit", () => {
    done = true;
  });
  return { pid, child, exited: () => done };
}

function groupAlive(pgid: number): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== undefined && stat.pgid === pgid && stat.state !== "Z") return true;
  }
  return false;
}

/** SIGTERM to the whole group, then SIGKILL to whatever is left after `graceMs`. */
export async function stopGroup(pgid: number, graceMs = 5000): Promise<void> {
  if (!groups.has(pgid)) return;
  try {
    process.kill(-pgid, "SIGTERM");
  } catch {
    // Already gone.
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && groupAlive(pgid)) await sleep(100);
  if (groupAlive(pgid)) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  groups.delete(pgid);
}

export async function stopAllGroups(): Promise<void> {
  await Promise.all([...groups].map((pgid) => stopGroup(pgid)));
}

/** Last resort on exit or a signal: synchronous SIGKILL of every group still running. */
export function killAllGroupsNow(): void {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  groups.clear();
}

interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
  /** utime + stime, in clock ticks. */
  cpuTicks: number;
}

/** `/proc/<pid>/stat`; the command name is in parentheses and may itself contain spaces. */
export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const fields = text.slice(close + 2).split(" ");
  // After the command: state(3) ppid(4) pgrp(5) … utime(14) stime(15), numbered from 1 as in proc(5).
  const field = (n: number) => Number(fields[n - 3]);
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: fields[0] ?? "?",
    ppid: field(4),
    pgid: field(5),
    cpuTicks: field(14) + field(15),
  };
}

export function cpuTicks(pid: number): number {
  const stat = readStat(pid);
  if (stat === undefined) throw new Error(`process ${pid} is gone`);
  return stat.cpuTicks;
}

/** Every live descendant of `root` named `comm`, with its command line. */
export function descendantsNamed(root: number, comm: string): { pid: number; cmdline: string }[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== undefined) stats.push(stat);
  }
  const inTree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const stat of stats) {
      if (!inTree.has(stat.pid) && inTree.has(stat.ppid)) {
        inTree.add(stat.pid);
        grew = true;
      }
    }
  }
  return stats
    .filter((stat) => stat.pid !== root && inTree.has(stat.pid) && stat.comm === comm && stat.state !== "Z")
    .map((stat) => ({ pid: stat.pid, cmdline: cmdline(stat.pid) }));
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}
