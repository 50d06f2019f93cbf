import { readFileSync } from "node:fs";
import { join } from "node:path";
import { wrangler } from "../../tools/harness/wrangler.ts";
import type { BaselineTree } from "./baseline.ts";
import { bundleSize } from "./bundle.ts";
import { derivedRelayToml, floorIoToml, floorToml, relayToml, writeServerDir } from "./configs.ts";
import { REPO } from "./paths.ts";
import { benchVars, SINK_SECRET } from "./providers.ts";
import { buildBundle, type DevServer, startDev } from "./wrangler.ts";

export interface Builds {
  relay: string;
  floor: string;
  floorIo: string;
  bundle: { raw_bytes: number; gzip_bytes: number };
}

/**
 * Every Worker the benchmark serves, built once with `wrangler deploy --dry-run`
 * (the relay from the repository's own wrangler.toml: the exact bundle a deploy uploads).
 */
export async function buildAll(runDir: string, queuePrefix: string): Promise<Builds> {
  const source = relayToml();
  const relayOut = join(runDir, "build", "relay");
  const relay = await buildBundle(join(REPO, "wrangler.toml"), relayOut, runDir);
  const floorConfig = writeServerDir(join(runDir, "src-floor"), floorToml(source, floorEntry("index.ts")), {});
  const floor = await buildBundle(floorConfig, join(runDir, "build", "floor"), runDir);
  const ioConfig = writeServerDir(
    join(runDir, "src-floor-io"),
    floorIoToml(source, floorEntry("io.ts"), queuePrefix),
    {},
  );
  const floorIo = await buildBundle(ioConfig, join(runDir, "build", "floor-io"), runDir);
  return { relay, floor, floorIo, bundle: bundleSize(relayOut) };
}

const floorEntry = (file: string) => join(REPO, "bench", "floor", file);

/**
 * The floor, the floor with I/O, and the relay without queue consumers, all under `wrangler dev` with the same flags;
 * with a baseline, its relay too (its own config, same vars, its own queue names).
 */
export async function startIngestServers(
  runDir: string,
  builds: Builds,
  queuePrefix: string,
  started: DevServer[],
  baseline?: BaselineTree,
): Promise<{ floor: DevServer; floorIo: DevServer; relay: DevServer; baseline?: DevServer }> {
  const source = relayToml();
  const serve = async (name: string, toml: string, vars: Record<string, string>, readyPath: string) => {
    const config = writeServerDir(join(runDir, name), toml, vars);
    const server = await startDev(name, config, { runDir, persistTo: join(runDir, `state-${name}`), readyPath });
    started.push(server);
    return server;
  };
  const floor = await serve("floor", floorToml(source, builds.floor), {}, "/");
  const floorIo = await serve("floor-io", floorIoToml(source, builds.floorIo, queuePrefix), {}, "/");
  const relayToml_ = derivedRelayToml(source, { main: builds.relay, queuePrefix, consumers: false });
  const relay = await serve("relay-ingest", relayToml_, benchVars(), "/healthz");
  if (!baseline) return { floor, floorIo, relay };
  const baselineToml = derivedRelayToml(readFileSync(join(baseline.root, "wrangler.toml"), "utf8"), {
    main: baseline.bundle,
    queuePrefix: baselineQueuePrefix(queuePrefix),
    consumers: false,
    root: baseline.root,
  });
  return { floor, floorIo, relay, baseline: await serve("baseline-ingest", baselineToml, benchVars(), "/healthz") };
}

/** The baseline's queues are its own: a producer without a local consumer could reach the current relay's. */
const baselineQueuePrefix = (queuePrefix: string) => `${queuePrefix}base-`;

/**
 * The relay exactly as configured (consumers included), retries on a short schedule, one target: the sink.
 * With `baseline`, that tree's relay from its own wrangler.toml, migrations and bundle.
 */
export async function startE2eRelay(
  runDir: string,
  builds: Builds,
  queuePrefix: string,
  targetUrl: string,
  started: DevServer[],
  baseline?: BaselineTree,
): Promise<DevServer> {
  const name = baseline ? "baseline-e2e" : "relay-e2e";
  const toml = baseline
    ? derivedRelayToml(readFileSync(join(baseline.root, "wrangler.toml"), "utf8"), {
        main: baseline.bundle,
        queuePrefix: baselineQueuePrefix(queuePrefix),
        consumers: true,
        root: baseline.root,
      })
    : derivedRelayToml(relayToml(), { main: builds.relay, queuePrefix, consumers: true });
  const vars = benchVars({ RETRY_SCHEDULE: "1,1,2,2,5", ALLOW_INSECURE_TARGETS: "true" });
  const config = writeServerDir(join(runDir, name), toml, vars);
  const persistTo = join(runDir, `state-${name}`);
  const targets = JSON.stringify([{ id: "bench-sink", url: targetUrl, secret: SINK_SECRET }]);
  const put = ["kv", "key", "put", "--binding", "RELAY_CONFIG", "targets", targets, "--local"];
  await wrangler([...put, "--persist-to", persistTo, "-c", config], runDir);
  // The consumers write the event log: its tables must exist, as under `npm run dev`.
  await wrangler(
    ["d1", "migrations", "apply", "RELAY_LOG", "--local", "--persist-to", persistTo, "-c", config],
    runDir,
  );
  const relay = await startDev(name, config, { runDir, persistTo, readyPath: "/healthz" });
  started.push(relay);
  return relay;
}
