/**
 * `npm run bench [-- --quick]`: what ingest costs against a bare Worker under the same
 * runtime, what the whole pipeline sustains, what a chat send slot costs, and the bundle size. Figures go to stdout
 * and bench/results/latest.json. Every process started here is stopped on the way out.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { always, type Sink, startSink } from "../tools/harness/sink.ts";
import { runBurst, runPaced } from "./lib/e2e.ts";
import { ratiosTo, runIngest } from "./lib/ingest.ts";
import { parseOptions } from "./lib/options.ts";
import { makeRunDir, RESULTS_PATH } from "./lib/paths.ts";
import { killAllGroupsNow, stopAllGroups } from "./lib/processes.ts";
import { callbackPool, PROVIDER_NAMES, type Provider, SINK_SECRET } from "./lib/providers.ts";
import { formatResults, missedTargets, NOTES, type Results } from "./lib/report.ts";
import { buildAll, startE2eRelay, startIngestServers } from "./lib/servers.ts";
import { runSlots } from "./lib/slots.ts";
import { type DevServer, wrangler } from "./lib/wrangler.ts";

if (process.platform !== "linux") {
  console.error("npm run bench reads workerd's CPU time and process tree from /proc: it runs on Linux only.");
  process.exit(1);
}
const options = parseOptions(process.argv.slice(2));
const runDir = makeRunDir();
const queuePrefix = `bench${Date.now().toString(36)}-`;
const t0 = performance.now();
const say = (line: string) =>
  console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);

process.on("exit", killAllGroupsNow);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    killAllGroupsNow();
    process.exit(130);
  });
}

const servers: DevServer[] = [];
let sink: Sink | undefined;
let ok = false;
try {
  const providers: readonly Provider[] = PROVIDER_NAMES;
  say(`providers: ${providers.join(", ")}; scratch dir ${runDir}`);
  const builds = await buildAll(runDir, queuePrefix);
  say(`bundle: ${builds.bundle.gzip_bytes} bytes gzipped (${builds.bundle.raw_bytes} raw)`);

  const results: Results = {
    bundle: { gzip_bytes: builds.bundle.gzip_bytes },
    meta: {
      mode: options.mode,
      command: `npm run bench${options.mode === "quick" ? " -- --quick" : ""}`,
      date: new Date().toISOString(),
      cores: cpus().length,
      cpu_model: cpus()[0]?.model ?? "unknown",
      node: process.version,
      wrangler: (await wrangler(["--version"], runDir)).trim().split("\n").pop(),
      concurrency: options.ingest.connections,
      ingest_rounds: options.ingest.rounds,
      ingest_seconds: options.ingest.seconds,
      e2e_concurrency: options.e2e.connections,
      bundle_raw_bytes: builds.bundle.raw_bytes,
      load_average_start: loadavg().map((x) => Number(x.toFixed(2))),
      notes: NOTES,
    },
  };

  if (!options.skip.has("ingest")) {
    const { floor, floorIo, relay } = await startIngestServers(runDir, builds, queuePrefix, servers);
    say(`floor ${floor.url}, floor+io ${floorIo.url}, relay without consumers ${relay.url}`);
    const pool = (names: typeof providers) => () => callbackPool(names, options.poolSize);
    const ok200 = { status: 200, body: "ok" };
    const targets = [
      { name: "floor", server: floor, requests: pool(providers), expect: ok200 },
      { name: "floor-io", server: floorIo, requests: pool(providers), expect: ok200 },
      ...providers.map((provider) => ({ name: provider, server: relay, requests: pool([provider]) })),
    ];
    const { metrics, proxyCpuUsPerReq } = await runIngest(targets, options.ingest, say);
    const { "floor-io": floorIoMetrics, ...ingest } = metrics;
    results.ingest = Object.assign(ingest, { ratios: ratiosTo("floor", metrics, providers) });
    results.meta.reference = {
      "floor-io": floorIoMetrics,
      "floor-io_vs_floor": ratiosTo("floor", metrics, ["floor-io"])["floor-io"],
      relay_vs_floor_io: ratiosTo("floor-io", metrics, providers),
    };
    results.meta.proxy_cpu_us_per_req = proxyCpuUsPerReq;
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  }

  if (!options.skip.has("e2e")) {
    sink = await startSink();
    const path = "/hooks/meetings";
    sink.route(path, always({ status: 204 }));
    const relay = await startE2eRelay(runDir, builds, queuePrefix, `${sink.url}${path}`, servers);
    say(`relay with consumers ${relay.url}, sink ${sink.url}; sending ${options.e2e.events} events`);
    const target = { relayUrl: relay.url, providers, sink, path, secret: SINK_SECRET };
    const burst = await runBurst(target, options.e2e, say);
    const paced = await runPaced(target, options.e2e, say);
    const badSignatures = burst.badSignatures + paced.badSignatures;
    if (badSignatures > 0) throw new Error(`${badSignatures} deliveries had no valid webhook-signature`);
    results.e2e = burst.result;
    results.meta.e2e_paced = { rate_per_s: options.e2e.pacedRate, ...paced.result };
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  }

  if (!options.skip.has("slots")) {
    results.slots = await runSlots(runDir, builds.relay, queuePrefix, servers, options.slots, say);
    say(`slots: p50 ${results.slots.p50_ms} ms, p99 ${results.slots.p99_ms} ms per request`);
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  }

  results.meta.load_average_end = loadavg().map((x) => Number(x.toFixed(2)));
  results.meta.duration_s = Math.round((performance.now() - t0) / 1000);
  const ordered = {
    ingest: results.ingest,
    e2e: results.e2e,
    slots: results.slots,
    bundle: results.bundle,
    meta: results.meta,
  };
  mkdirSync(dirname(RESULTS_PATH), { recursive: true });
  writeFileSync(RESULTS_PATH, `${JSON.stringify(ordered, null, 2)}\n`);
  console.log(`\n${formatResults(results)}\n`);
  const missed = missedTargets(results);
  console.log(missed.length === 0 ? "All targets met." : `Targets missed:\n- ${missed.join("\n- ")}`);
  console.log(`\nWrote ${RESULTS_PATH}`);
  ok = true;
} catch (error) {
  console.error(`\nbench failed: ${(error as Error).message}`);
  console.error(`logs kept in ${runDir}`);
  process.exitCode = 1;
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await stopAllGroups();
  await sink?.close();
  if (ok && !options.keep) rmSync(runDir, { recursive: true, force: true });
  else if (ok) console.log(`scratch dir kept: ${runDir}`);
}
