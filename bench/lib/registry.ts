import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./paths.ts";
import { PROVIDER_NAMES, type Provider } from "./providers.ts";

/**
 * The platforms registered in src/providers/registry.ts (one folder each, named after
 * the platform) that the benchmark can sign for. A registered platform without a
 * signer in the harness is reported, not silently skipped.
 */
export function registeredProviders(): { providers: Provider[]; unsigned: string[] } {
  const registry = readFileSync(join(REPO, "src", "providers", "registry.ts"), "utf8");
  const folders = [...registry.matchAll(/from "\.\/([a-z0-9-]+)(?:\/index)?(?:\.ts)?"/g)]
    .map((match) => match[1] as string)
    .filter((folder) => folder !== "types");
  const providers = PROVIDER_NAMES.filter((name) => folders.includes(name));
  const unsigned = folders.filter((folder) => !(PROVIDER_NAMES as readonly string[]).includes(folder));
  return { providers, unsigned };
}
