/**
 * `npm run bench [-- --quick]`: what ingest costs against a bare Worker under the same
 * runtime, what the whole pipeline sustains, what a chat send slot costs, what an event costs at list
 * price, what the ingest route's own code costs per callback, and the bundle size. Figures go to stdout and
 * bench/results/latest.json (the cost per event also to bench/results/cost.json, the route's figures to
 * bench/results/route.json). Every process started here is stopped on the way out. `-- --baseline <git-ref>` measures
 * that commit's relay side by side (bench/lib/baseline.ts).
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname } from "node:path";
import { stopAllGroups } from "../tools/harness/processes.ts";
import { always, type Sink, startSink } from "../tools/harness/sink.ts";
import { wrangler } from "../tools/harness/wrangler.ts";
import {
  type BaselineTree,
  baselineName,
  currentOverBaseline,
  e2eCurrentOverBaseline,
  prepareBaseline,
  splitBaselineMetrics,
} from "./lib/baseline.ts";
import { COST_NOTES, COST_RESULTS_PATH, runCost } from "./lib/cost.ts";
import { type E2eResult, runBurst, runPaced } from "./lib/e2e.ts";
import { ratiosTo, runIngest } from "./lib/ingest.ts";
import { parseOptions } from "./lib/options.ts";
import { RESULTS_PATH } from "./lib/paths.ts";
import { callbackPool, PROVIDER_NAMES, type Provider, SINK_SECRET } from "./lib/providers.ts";
import { formatResults, missedTargets, NOTES, type Results } from "./lib/report.ts";
import {
  formatRoute,
  type RouteResult,
  routeMisses,
  runRoute,
  runRouteWithBaseline,
  startRouteServer,
  writeRouteResults,
} from "./lib/route.ts";
import { startBenchScript } from "./lib/script.ts";
import { buildAll, startE2eRelay, startIngestServers } from "./lib/servers.ts";
import { runSlots } from "./lib/slots.ts";
import type { DevServer } from "./lib/wrangler.ts";

/** The run's machine and versions, for cost.json. */
function costMeta(meta: Results["meta"]) {
  const { command, date, cores, cpu_model, node, wrangler } = meta;
  return { command, date, cores, cpu_model, node, wrangler };
}

if (process.platform !== "linux") {
  console.error("npm run bench reads workerd's CPU time and process tree from /proc: it runs on Linux only.");
  process.exit(1);
}
const options = parseOptions(process.argv.slice(2));
const { runDir, say, t0 } = startBenchScript("bench");
const queuePrefix = `bench${Date.now().toString(36)}-`;

const servers: DevServer[] = [];
let baseline: BaselineTree | undefined;
let sink: Sink | undefined;
let ok = false;
try {
  const providers: readonly Provider[] = PROVIDER_NAMES;
  say(`providers: ${providers.join(", ")}; scratch dir ${runDir}`);
  const builds = await buildAll(runDir, queuePrefix);
  say(`bundle: ${builds.bundle.gzip_bytes} bytes gzipped (${builds.bundle.raw_bytes} raw)`);
  if (options.baseline) {
    baseline = await prepareBaseline(options.baseline, runDir);
    say(
      `baseline ${options.baseline}: ${baseline.commit.slice(0, 7)} "${baseline.subject}", bundle ${baseline.size.gzip_bytes} bytes gzipped`,
    );
    if (!baseline.sameLockfile)
      say("baseline: its package-lock.json differs from this checkout's; it runs on this checkout's node_modules");
  }

  const results: Results = {
    bundle: { gzip_bytes: builds.bundle.gzip_bytes },
    meta: {
      mode: options.mode,
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
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
      notes: options.skip.has("cost") ? NOTES : [...NOTES, ...COST_NOTES],
    },
  };

  if (baseline) {
    const { ref, commit, subject, sameLockfile, size } = baseline;
    results.baseline = { ref, commit, subject, same_lockfile: sameLockfile, bundle: size };
  }

  if (!options.skip.has("ingest")) {
    const started = await startIngestServers(runDir, builds, queuePrefix, servers, baseline);
    const { floor, floorIo, relay, baseline: baselineRelay } = started;
    say(`floor ${floor.url}, floor+io ${floorIo.url}, relay without consumers ${relay.url}`);
    const pool = (names: typeof providers) => () => callbackPool(names, options.poolSize);
    const ok200 = { status: 200, body: "ok" };
    const targets = [
      { name: "floor", server: floor, requests: pool(providers), expect: ok200 },
      { name: "floor-io", server: floorIo, requests: pool(providers), expect: ok200 },
      // With a baseline, each platform's route and the baseline's run back to back (in turn first), under the same load.
      ...providers.flatMap((provider) => [
        { name: provider, server: relay, requests: pool([provider]) },
        ...(baselineRelay
          ? [{ name: baselineName(provider), server: baselineRelay, requests: pool([provider]), alternate: true }]
          : []),
      ]),
    ];
    const { metrics, proxyCpuUsPerReq } = await runIngest(targets, options.ingest, say);
    const { "floor-io": floorIoMetrics, ...ingest } = metrics;
    if (results.baseline && baselineRelay) {
      const current_over_baseline = currentOverBaseline(metrics, providers);
      results.baseline.ingest = Object.assign(splitBaselineMetrics(ingest, providers), { current_over_baseline });
    }
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
    let badSignatures = 0;
    let base: { burst: E2eResult; paced: E2eResult & { rate_per_s: number } } | undefined;
    if (baseline) {
      // Current burst, baseline burst, baseline paced, current paced: drift on a shared machine hits both alike.
      const basePath = "/hooks/baseline";
      sink.route(basePath, always({ status: 204 }));
      const baseRelay = await startE2eRelay(runDir, builds, queuePrefix, `${sink.url}${basePath}`, servers, baseline);
      const baseTarget = { ...target, relayUrl: baseRelay.url, path: basePath };
      const baseSay = (line: string) => say(`baseline ${line}`);
      say(`baseline relay with consumers ${baseRelay.url}; sending ${options.e2e.events} events`);
      const baseBurst = await runBurst(baseTarget, options.e2e, baseSay);
      const basePaced = await runPaced(baseTarget, options.e2e, baseSay);
      badSignatures += baseBurst.badSignatures + basePaced.badSignatures;
      base = { burst: baseBurst.result, paced: { rate_per_s: options.e2e.pacedRate, ...basePaced.result } };
    }
    const paced = await runPaced(target, options.e2e, say);
    if (base && results.baseline) {
      const current_over_baseline = e2eCurrentOverBaseline({ burst: burst.result, paced: paced.result }, base);
      results.baseline.e2e = { ...base, current_over_baseline };
    }
    badSignatures += burst.badSignatures + paced.badSignatures;
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

  if (!options.skip.has("cost")) {
    results.cost = await runCost(runDir, builds.relay, queuePrefix, servers, options.cost, say);
    writeFileSync(COST_RESULTS_PATH, `${JSON.stringify({ ...results.cost, meta: costMeta(results.meta) }, null, 2)}\n`);
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  }

  // The ingest route's own code in µs per callback, inside workerd (bench/lib/route.ts).
  let route: RouteResult | undefined;
  if (!options.skip.has("route")) {
    route = baseline
      ? await runRouteWithBaseline(runDir, servers, baseline, providers, options.route, say)
      : await runRoute(await startRouteServer(runDir, servers), providers, options.route, say);
    writeRouteResults(route, { command: results.meta.command, date: new Date().toISOString() });
    console.log(`\n${formatRoute(route)}\n`);
    const missed = routeMisses(route);
    if (missed.length > 0) console.log(`Route goal missed:\n- ${missed.join("\n- ")}`);
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  }

  results.meta.load_average_end = loadavg().map((x) => Number(x.toFixed(2)));
  results.meta.duration_s = Math.round((performance.now() - t0) / 1000);
  const ordered = {
    ingest: results.ingest,
    e2e: results.e2e,
    slots: results.slots,
    cost: results.cost,
    route,
    bundle: results.bundle,
    baseline: results.baseline,
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
  baseline?.remove();
  await sink?.close();
  if (ok && !options.keep) rmSync(runDir, { recursive: true, force: true });
  else if (ok) console.log(`scratch dir kept: ${runDir}`);
}
