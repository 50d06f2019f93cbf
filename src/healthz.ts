import { configuredAccounts, encryptionConfigured, missingCredentials } from "./config/credentials";
import type { Env } from "./env";
import { PROVIDERS } from "./providers/registry";
import { VERSION } from "./version";

/**
 * Which providers (and accounts) are configured: names only, never a secret. `encryption` says,
 * per configured route of a provider that can receive encrypted callbacks, whether its key is set.
 */
export function health(env: Env) {
  const providers: Record<string, boolean> = {};
  const accounts: Record<string, string[]> = {};
  const encryption: Record<string, boolean> = {};
  for (const adapter of PROVIDERS) {
    providers[adapter.name] = missingCredentials(env, adapter, undefined).length === 0;
    accounts[adapter.name] = configuredAccounts(env, adapter);
    if (adapter.encryptionCredential === undefined) continue;
    const routes = [...(providers[adapter.name] ? [undefined] : []), ...(accounts[adapter.name] ?? [])];
    for (const account of routes) {
      encryption[`/webhooks/${adapter.name}${account ? `/${account}` : ""}`] = encryptionConfigured(
        env,
        adapter,
        account,
      );
    }
  }
  return { ok: true, version: VERSION, providers, accounts, encryption };
}
