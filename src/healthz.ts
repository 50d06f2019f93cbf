import { configuredAccounts, resolveCredentials } from "./config/credentials";
import type { Env } from "./env";
import { PROVIDERS } from "./providers/registry";
import { VERSION } from "./version";

/** Which providers (and accounts) are configured: names only, never a secret. */
export function health(env: Env) {
  const providers: Record<string, boolean> = {};
  const accounts: Record<string, string[]> = {};
  for (const adapter of PROVIDERS) {
    providers[adapter.name] = resolveCredentials(env, adapter, undefined).ok;
    accounts[adapter.name] = configuredAccounts(env, adapter);
  }
  return { ok: true, version: VERSION, providers, accounts };
}
