import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./paths.ts";

/** The repository's wrangler.toml as text: the generated configs are derived from it line by line. */
export function relayToml(): string {
  return readFileSync(join(REPO, "wrangler.toml"), "utf8");
}

/**
 * The relay's config for one benchmark server: `main` points at a prebuilt bundle
 * (so a teammate saving a file in src/ cannot rebuild the Worker mid-run), every
 * queue name gets a per-run prefix (local Queues route a producer without a local
 * consumer to any other dev session's consumer of that name: a teammate's relay),
 * and, for ingest, the `[[queues.consumers]]` tables are left out.
 */
export function derivedRelayToml(
  source: string,
  {
    main,
    queuePrefix,
    consumers,
    root = REPO,
  }: { main: string; queuePrefix: string; consumers: boolean /** The tree `source` came from. */; root?: string },
): string {
  const sections = source.split(/^(?=\[)/m);
  const kept = consumers ? sections : sections.filter((section) => !section.startsWith("[[queues.consumers]]"));
  return (
    kept
      .join("")
      .replace(/^main\s*=.*$/m, `main = ${JSON.stringify(main)}`)
      // The config is written elsewhere: the event log's migrations and the console's assets stay the tree's.
      .replace(/^migrations_dir\s*=.*$/m, `migrations_dir = ${JSON.stringify(join(root, "migrations"))}`)
      .replace(/^directory\s*=\s*"([^"]+)"/m, (_, dir: string) => `directory = ${JSON.stringify(join(root, dir))}`)
      .replace(
        /^(\s*(?:dead_letter_)?queue\s*=\s*")([^"]+)"/gm,
        (_, lead: string, name: string) => `${lead}${queuePrefix}${name}"`,
      )
  );
}

/** The floor's config: same compatibility date and flags as the relay, nothing else. */
export function floorToml(source: string, main: string): string {
  const keep = source.split("\n").filter((line) => /^compatibility_(date|flags)\s*=/.test(line));
  return [`name = "bench-floor"`, `main = ${JSON.stringify(main)}`, ...keep, ""].join("\n");
}

/** The floor-with-I/O reference: the floor plus one queue producer (no consumer, like the ingest relay). */
export function floorIoToml(source: string, main: string, queuePrefix: string): string {
  const producer = ["[[queues.producers]]", 'binding = "EVENTS_QUEUE"', `queue = "${queuePrefix}floor-io-events"`, ""];
  return floorToml(source, main).replace('name = "bench-floor"', 'name = "bench-floor-io"') + producer.join("\n");
}

/** Writes `wrangler.toml` and `.dev.vars` (read from beside the config) into `dir`. */
export function writeServerDir(dir: string, toml: string, vars: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, "wrangler.toml");
  writeFileSync(configPath, toml);
  const lines = Object.entries(vars).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  writeFileSync(join(dir, ".dev.vars"), `${lines.join("\n")}\n`);
  return configPath;
}
