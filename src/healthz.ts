import { configuredAccounts, encryptionConfigured, missingCredentials } from "./config/account-credentials";
import type { Env } from "./core/env";
import { VERSION } from "./core/version";
import { PROVIDER_ADAPTERS } from "./providers/registry";

/**
 * Public: which providers are configured and how many accounts each has, never a secret or an
 * account name (account names often name customers: `GET /admin/providers` lists them behind the
 * admin token). `encryption` says, for a configured provider that can receive encrypted callbacks,
 * whether its own route's key is set.
 */
export function health(env: Env) {
  const providers: Record<string, boolean> = {};
  const accounts: Record<string, number> = {};
  const encryption: Record<string, boolean> = {};
  for (const adapter of PROVIDER_ADAPTERS) {
    providers[adapter.name] = missingCredentials(env, adapter, undefined).length === 0;
    accounts[adapter.name] = configuredAccounts(env, adapter).length;
    if (adapter.encryptionCredential !== undefined && providers[adapter.name]) {
      encryption[`/webhooks/${adapter.name}`] = encryptionConfigured(env, adapter, undefined);
    }
  }
  return { ok: true, version: VERSION, providers, accounts, encryption };
}
