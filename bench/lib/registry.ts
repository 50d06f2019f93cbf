import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./paths.ts";
import { BENCH_PROVIDERS, type BenchProvider } from "./providers.ts";

/**
 * The platforms registered in src/providers/registry.ts (one folder each, named after
 * the platform) that the benchmark can sign for. A registered platform without a
 * signer here is reported, not silently skipped.
 */
export function registeredProviders(): { providers: BenchProvider[]; unsigned: string[] } {
  const registry = readFileSync(join(REPO, "src", "providers", "registry.ts"), "utf8");
  const folders = [...registry.matchAll(/from "\.\/([a-z0-9-]+)(?:\/index)?(?:\.ts)?"/g)]
    .map((match) => match[1] as string)
    .filter((folder) => folder !== "types");
  const providers = BENCH_PROVIDERS.filter((provider) => folders.includes(provider.name));
  const unsigned = folders.filter((folder) => !BENCH_PROVIDERS.some((provider) => provider.name === folder));
  return { providers, unsigned };
}
