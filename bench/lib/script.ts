import { killAllGroupsNow } from "../../tools/harness/processes.ts";
import { makeRunDir } from "./paths.ts";

/**
 * What every bench script starts with: a scratch directory, a `say` that prefixes each line with the
 * script's name and the seconds since it started, and every process group it started killed on the way
 * out, also on Ctrl-C and when the terminal goes away.
 */
export function startBenchScript(name: string): { runDir: string; say: (line: string) => void; t0: number } {
  process.on("exit", killAllGroupsNow);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      killAllGroupsNow();
      process.exit(130);
    });
  }
  const t0 = performance.now();
  const say = (line: string) =>
    console.log(`[${name} ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);
  return { runDir: makeRunDir(), say, t0 };
}

/** `--name 5` from the command line as a number; `fallback` when it is not given. */
export function numberOption(args: readonly string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(args[index + 1]);
}
