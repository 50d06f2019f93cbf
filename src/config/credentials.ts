import { type Env, readSetting } from "../env";
import type { AnyProviderAdapter } from "../providers/registry";
import type { ProviderAdapter } from "../providers/types";

export const ACCOUNT_PATTERN = /^[a-z0-9_]{1,32}$/;

/** `acme` → `_ACME`: the suffix of an account's credential names. */
export function accountSuffix(account: string | undefined): string {
  return account ? `_${account.toUpperCase()}` : "";
}

export type CredentialsResult<C = unknown> = { ok: true; credentials: C } | { ok: false; missing: string[] };

/** The adapter's credentials for one account, or the full names of those that are not set. */
export function resolveCredentials<C>(
  env: Env,
  adapter: Pick<ProviderAdapter<C>, "requiredCredentials" | "credentials">,
  account: string | undefined,
): CredentialsResult<C> {
  const suffix = accountSuffix(account);
  const lookup = (baseName: string) => readSetting(env, `${baseName}${suffix}`);
  const missing = adapter.requiredCredentials
    .filter((name) => lookup(name) === undefined)
    .map((name) => `${name}${suffix}`);
  if (missing.length > 0) return { ok: false, missing };
  return { ok: true, credentials: adapter.credentials(lookup) };
}

/** Accounts whose required credentials are all set, found by their suffixed names. */
export function configuredAccounts(env: Env, adapter: AnyProviderAdapter): string[] {
  const [first] = adapter.requiredCredentials;
  if (first === undefined) return [];
  const prefix = `${first}_`;
  return Object.keys(env)
    .filter((key) => key.startsWith(prefix))
    .map((key) => key.slice(prefix.length).toLowerCase())
    .filter((account) => ACCOUNT_PATTERN.test(account) && resolveCredentials(env, adapter, account).ok)
    .sort();
}
