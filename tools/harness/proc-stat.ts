import { readdirSync, readFileSync } from "node:fs";

/** What `/proc/<pid>/stat` says of a process (Linux only). */
export interface ProcStat {
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

/** Every process now running, by `/proc`. */
export function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat !== undefined) stats.push(stat);
  }
  return stats;
}

export function cpuTicks(pid: number): number {
  const stat = readStat(pid);
  if (stat === undefined) throw new Error(`process ${pid} is gone`);
  return stat.cpuTicks;
}

/** Every live descendant of `root` named `comm`, with its command line. */
export function descendantsNamed(root: number, comm: string): { pid: number; cmdline: string }[] {
  const stats = allStats();
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
