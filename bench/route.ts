/**
 * `node bench/route.ts [--iterations 1000] [--rounds 5] [--repeats 3]`: the ingest route's own code in µs per callback,
 * per platform, measured inside workerd (bench/lib/route.ts says how). Also a phase of `npm run bench`
 * (`--skip-route` leaves it out). Writes bench/results/route.json and the `route` figures of
 * bench/results/latest.json. Every process started here is stopped on the way out.
 */
import { rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { stopAllGroups } from "../tools/harness/processes.ts";
import { wrangler } from "../tools/harness/wrangler.ts";
import { RESULTS_PATH } from "./lib/paths.ts";
import { PROVIDER_NAMES } from "./lib/providers.ts";
import {
  formatRoute,
  ROUTE_RESULTS_PATH,
  routeMisses,
  runRoute,
  startRouteServer,
  writeRouteResults,
} from "./lib/route.ts";
import { numberOption, startBenchScript } from "./lib/script.ts";
import type { DevServer } from "./lib/wrangler.ts";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => numberOption(args, name, fallback);

const { runDir, say } = startBenchScript("route");
const servers: DevServer[] = [];
let ok = false;
try {
  const plan = { iterations: option("iterations", 1000), rounds: option("rounds", 5), repeats: option("repeats", 3) };
  const server = await startRouteServer(runDir, servers);
  say(`route worker ${server.url}; ${plan.rounds} rounds of ${plan.iterations} iterations`);
  const route = await runRoute(server, PROVIDER_NAMES, plan, say);
  const meta = {
    command: `node bench/route.ts${args.length > 0 ? ` ${args.join(" ")}` : ""}`,
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu_model: cpus()[0]?.model ?? "unknown",
    node: process.version,
    wrangler: (await wrangler(["--version"], runDir)).trim().split("\n").pop(),
    load_average: loadavg().map((x) => Number(x.toFixed(2))),
  };
  writeRouteResults(route, meta);
  console.log(`\n${formatRoute(route)}\n`);
  const missed = routeMisses(route);
  console.log(missed.length === 0 ? "Route goal met." : `Route goal missed:\n- ${missed.join("\n- ")}`);
  console.log(`\nWrote ${ROUTE_RESULTS_PATH} and the route figures of ${RESULTS_PATH}`);
  ok = true;
} catch (error) {
  console.error(`\nroute bench failed: ${(error as Error).message}`);
  console.error(`logs kept in ${runDir}`);
  process.exitCode = 1;
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await stopAllGroups();
  if (ok) rmSync(runDir, { recursive: true, force: true });
}
