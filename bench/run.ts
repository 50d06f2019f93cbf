/**
 * `npm run bench [-- --quick]`: what ingest costs against a bare Worker under the same
 * runtime, what the whole pipeline sustains, and the bundle size. Figures go to stdout
 * and bench/results/latest.json. Every process started here is stopped on the way out.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { always, type Sink, startSink } from "../test/e2e/harness/sink.ts";
import { gzipBytes } from "./lib/bundle.ts";
import { derivedRelayToml, floorToml, relayToml, writeServerDir } from "./lib/configs.ts";
import { runE2e } from "./lib/e2e.ts";
import { ingestRatios, type LoadTarget, runIngest } from "./lib/ingest.ts";
import { parseOptions } from "./lib/options.ts";
import { makeRunDir, REPO, RESULTS_PATH } from "./lib/paths.ts";
import { killAllGroupsNow, stopAllGroups } from "./lib/processes.ts";
import { benchVars, callbackPool, SINK_SECRET } from "./lib/providers.ts";
import { registeredProviders } from "./lib/registry.ts";
import { formatResults, missedTargets, type Results } from "./lib/report.ts";
import { buildBundle, type DevServer, startDev, wrangler } from "./lib/wrangler.ts";

const options = parseOptions(process.argv.slice(2));
const runDir = makeRunDir();
const runId = Date.now().toString(36);
const say = (line: string) =>
  console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);
const t0 = performance.now();

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
  const { providers, unsigned } = registeredProviders();
  if (unsigned.length > 0) say(`no signer in bench/lib/providers.ts for: ${unsigned.join(", ")} (not benchmarked)`);
  say(`providers: ${providers.join(", ")}; scratch dir ${runDir}`);

  const relayMain = await buildBundle(join(REPO, "wrangler.toml"), join(runDir, "build", "relay"), runDir);
  const floorSource = writeServerDir(
    join(runDir, "floor-src"),
    floorToml(relayToml(), join(REPO, "bench", "floor", "index.ts")),
    {},
  );
  const floorMain = await buildBundle(floorSource, join(runDir, "build", "floor"), runDir);
  const bundle = gzipBytes(join(runDir, "build", "relay"));
  say(`bundle: ${bundle.gzip_bytes} bytes gzipped (${bundle.raw_bytes} raw)`);

  const queuePrefix = `bench${runId}-`;
  const results: Results = {
    bundle: { gzip_bytes: bundle.gzip_bytes },
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
      load_average_start: loadavg().map((x) => Number(x.toFixed(2))),
      notes: [
        "ingest: the relay runs a generated wrangler config with the queue producers and no queue consumers, so no consumer work lands in the ingest figures",
        "ingest: floor and relay are prebuilt with `wrangler deploy --dry-run` and served by `wrangler dev --no-bundle` with identical flags; the floor answers every request with 200 and gets the same signed requests (all platforms mixed)",
        "cpu_us_per_req: utime+stime from /proc of the workerd that runs the Worker (local KV and the local queue broker live in that process too); wrangler dev's proxy workerd in front is reported apart as proxy_cpu_us_per_req",
        "latency: closed-loop autocannon, every response checked for status 2xx and the platform's exact success body",
        "e2e: RETRY_SCHEDULE=1,1,2,2,5 and ALLOW_INSECURE_TARGETS=true; one target (a node:http sink on 127.0.0.1 with a whsec_ secret); latency = sink receive time - send time, matched per event",
      ],
    },
  };

  if (!options.skip.has("ingest")) {
    const source = relayToml();
    const floorConfig = writeServerDir(join(runDir, "floor"), floorToml(source, floorMain), {});
    const ingestToml = derivedRelayToml(source, { main: relayMain, queuePrefix, consumers: false });
    const ingestConfig = writeServerDir(join(runDir, "ingest"), ingestToml, benchVars());
    const floor = await startDev("floor", floorConfig, {
      runDir,
      persistTo: join(runDir, "state-floor"),
      readyPath: "/",
    });
    servers.push(floor);
    const relay = await startDev("relay-ingest", ingestConfig, {
      runDir,
      persistTo: join(runDir, "state-ingest"),
      readyPath: "/healthz",
    });
    servers.push(relay);
    say(`floor on ${floor.url}, relay (no consumers) on ${relay.url}`);

    const targets: LoadTarget[] = [
      {
        name: "floor",
        server: floor,
        requests: () => callbackPool(providers, options.poolSize),
        expect: { status: 200, body: "ok" },
      },
      ...providers.map((provider) => ({
        name: provider,
        server: relay,
        requests: () => callbackPool([provider], options.poolSize),
      })),
    ];
    const { metrics, proxyCpuUsPerReq } = await runIngest(targets, options.ingest, say);
    results.ingest = Object.assign(metrics, {
      ratios: ingestRatios(metrics, providers),
    });
    results.meta.proxy_cpu_us_per_req = proxyCpuUsPerReq;
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  }

  if (!options.skip.has("e2e")) {
    sink = await startSink();
    const sinkPath = "/hooks/meetings";
    sink.route(sinkPath, always({ status: 204 }));
    const e2eToml = derivedRelayToml(relayToml(), { main: relayMain, queuePrefix, consumers: true });
    const e2eVars = benchVars({ RETRY_SCHEDULE: "1,1,2,2,5", ALLOW_INSECURE_TARGETS: "true" });
    const e2eConfig = writeServerDir(join(runDir, "e2e"), e2eToml, e2eVars);
    const persistTo = join(runDir, "state-e2e");
    const target = [{ id: "bench-sink", url: `${sink.url}${sinkPath}`, secret: SINK_SECRET }];
    await wrangler(
      [
        "kv",
        "key",
        "put",
        "--binding",
        "RELAY_CONFIG",
        "targets",
        JSON.stringify(target),
        "--local",
        "--persist-to",
        persistTo,
        "-c",
        e2eConfig,
      ],
      runDir,
    );
    const relay = await startDev("relay-e2e", e2eConfig, { runDir, persistTo, readyPath: "/healthz" });
    servers.push(relay);
    say(`relay with consumers on ${relay.url}, sink ${sink.url}; sending ${options.e2e.events} events`);
    const { result, badSignatures } = await runE2e(
      relay.url,
      providers,
      sink,
      { secret: SINK_SECRET, path: sinkPath },
      options.e2e,
      say,
    );
    if (badSignatures > 0) throw new Error(`${badSignatures} deliveries had no valid webhook-signature`);
    results.e2e = result;
    await Promise.all(servers.splice(0).map((server) => server.stop()));
  }

  results.meta.load_average_end = loadavg().map((x) => Number(x.toFixed(2)));
  results.meta.duration_s = Math.round((performance.now() - t0) / 1000);
  const ordered = { ingest: results.ingest, e2e: results.e2e, bundle: results.bundle, meta: results.meta };
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
  if (ok) rmSync(runDir, { recursive: true, force: true });
}
