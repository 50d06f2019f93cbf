import { join } from "node:path";
import { bundleSize } from "./bundle.ts";
import { derivedRelayToml, floorIoToml, floorToml, relayToml, writeServerDir } from "./configs.ts";
import { REPO } from "./paths.ts";
import { benchVars, SINK_SECRET } from "./providers.ts";
import { buildBundle, type DevServer, startDev, wrangler } from "./wrangler.ts";

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

/** The floor, the floor with I/O, and the relay without queue consumers, all under `wrangler dev` with the same flags. */
export async function startIngestServers(
  runDir: string,
  builds: Builds,
  queuePrefix: string,
  started: DevServer[],
): Promise<{ floor: DevServer; floorIo: DevServer; relay: DevServer }> {
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
  return { floor, floorIo, relay };
}

/** The relay exactly as configured (consumers included), retries on a short schedule, one target: the sink. */
export async function startE2eRelay(
  runDir: string,
  builds: Builds,
  queuePrefix: string,
  targetUrl: string,
  started: DevServer[],
): Promise<DevServer> {
  const toml = derivedRelayToml(relayToml(), { main: builds.relay, queuePrefix, consumers: true });
  const vars = benchVars({ RETRY_SCHEDULE: "1,1,2,2,5", ALLOW_INSECURE_TARGETS: "true" });
  const config = writeServerDir(join(runDir, "relay-e2e"), toml, vars);
  const persistTo = join(runDir, "state-relay-e2e");
  const targets = JSON.stringify([{ id: "bench-sink", url: targetUrl, secret: SINK_SECRET }]);
  const put = ["kv", "key", "put", "--binding", "RELAY_CONFIG", "targets", targets, "--local"];
  await wrangler([...put, "--persist-to", persistTo, "-c", config], runDir);
  // The consumers write the event log: its tables must exist, as under `npm run dev`.
  await wrangler(
    ["d1", "migrations", "apply", "RELAY_LOG", "--local", "--persist-to", persistTo, "-c", config],
    runDir,
  );
  const relay = await startDev("relay-e2e", config, { runDir, persistTo, readyPath: "/healthz" });
  started.push(relay);
  return relay;
}
