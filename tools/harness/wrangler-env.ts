import { delimiter, dirname, join } from "node:path";

/**
 * The environment of every wrangler the harness, the demo and the benchmark start: no telemetry, no
 * `process.env` secrets, no file watching, and a private dev registry and log folder under `scratch`.
 */
export function wranglerEnv(scratch: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The Node that runs us (22, from node_modules) is the one wrangler's children find first.
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`,
    WRANGLER_SEND_METRICS: "false",
    // Other wrangler dev sessions on this machine (the demo, another test run) must not see these queues.
    WRANGLER_REGISTRY_PATH: join(scratch, "registry"),
    WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true",
    WRANGLER_LOG_PATH: join(scratch, "wrangler-logs"),
    WRANGLER_HIDE_BANNER: "true",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  delete env.CLOUDFLARE_INCLUDE_PROCESS_ENV;
  return env;
}
