/**
 * `node bench/cost.ts [--quick] [--keep]`: the cost phase of `npm run bench` alone. Builds the relay with
 * `wrangler deploy --dry-run`, serves it inside the counting bench Worker (bench/cost/index.ts), runs every
 * scenario and prints what one event bills at list price. Writes bench/results/cost.json (not latest.json,
 * which holds a whole run). Every process started here is stopped on the way out.
 */
import { rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { stopAllGroups } from "../tools/harness/processes.ts";
import { wrangler } from "../tools/harness/wrangler.ts";
import { COST_RESULTS_PATH, costFindings, runCost } from "./lib/cost.ts";
import { parseOptions } from "./lib/options.ts";
import { REPO } from "./lib/paths.ts";
import { formatCost } from "./lib/report.ts";
import { startBenchScript } from "./lib/script.ts";
import { buildBundle, type DevServer } from "./lib/wrangler.ts";

const options = parseOptions(process.argv.slice(2));
const { runDir, say } = startBenchScript("cost");
const queuePrefix = `bench${Date.now().toString(36)}-`;

const servers: DevServer[] = [];
let ok = false;
try {
  say(`scratch dir ${runDir}`);
  const relay = await buildBundle(join(REPO, "wrangler.toml"), join(runDir, "build", "relay"), runDir);
  const cost = await runCost(runDir, relay, queuePrefix, servers, options.cost, say);
  const meta = {
    command: `node bench/cost.ts${options.mode === "quick" ? " --quick" : ""}`,
    date: new Date().toISOString(),
    cores: cpus().length,
    cpu_model: cpus()[0]?.model ?? "unknown",
    node: process.version,
    wrangler: (await wrangler(["--version"], runDir)).trim().split("\n").pop(),
  };
  writeFileSync(COST_RESULTS_PATH, `${JSON.stringify({ ...cost, meta }, null, 2)}\n`);
  console.log(`\n${formatCost(cost)}\n`);
  const findings = costFindings(cost);
  if (findings.length > 0) console.log(`Targets missed:\n- ${findings.join("\n- ")}`);
  console.log(`\nWrote ${COST_RESULTS_PATH}`);
  ok = true;
} catch (error) {
  console.error(`\ncost bench failed: ${(error as Error).stack ?? (error as Error).message}`);
  console.error(`logs kept in ${runDir}`);
  process.exitCode = 1;
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await stopAllGroups();
  if (ok && !options.keep) rmSync(runDir, { recursive: true, force: true });
  else if (ok) console.log(`scratch dir kept: ${runDir}`);
}
