import { type Env, readSetting } from "../core/env";
import { candidatesOf, PREVIOUS_SUFFIX } from "../providers/candidates";
import type { AnyProviderAdapter } from "../providers/registry";
import type { Candidate, CredentialLookup, ProviderAdapter } from "../providers/types";
import { ACCOUNT_PATTERN } from "./account-name";

export { ACCOUNT_PATTERN };

/** `acme` → `_ACME`: the suffix of an account's credential names. */
function accountSuffix(account: string | undefined): string {
  return account ? `_${account.toUpperCase()}` : "";
}

export type CredentialsResult<C = unknown> = { ok: true; credentials: C } | { ok: false; missing: string[] };

/** The full names of the adapter's required credentials that are not set for this account. */
export function missingCredentials(
  env: Env,
  adapter: Pick<ProviderAdapter, "requiredCredentials">,
  account: string | undefined,
): string[] {
  const suffix = accountSuffix(account);
  return adapter.requiredCredentials
    .map((name) => `${name}${suffix}`)
    .filter((name) => readSetting(env, name) === undefined);
}

/**
 * The adapter's credentials for one account, or the full names of those that are not set.
 * Throws the adapter's `SettingsError` for a credential that is set but malformed.
 */
export function resolveCredentials<C>(
  env: Env,
  adapter: Pick<ProviderAdapter<C>, "requiredCredentials" | "inheritedCredentials" | "credentials">,
  account: string | undefined,
): CredentialsResult<C> {
  const missing = missingCredentials(env, adapter, account);
  if (missing.length > 0) return { ok: false, missing };
  const lookup = credentialLookup(env, account, adapter.inheritedCredentials);
  return { ok: true, credentials: adapter.credentials(lookup) };
}

/**
 * Reads an account's credentials: `TENCENT_MEETING_TOKEN_ACME`, then `TENCENT_MEETING_TOKEN_ACME_PREVIOUS`.
 * An `inherited` credential the account does not set itself is read from its base name instead.
 */
export function credentialLookup(
  env: Env,
  account: string | undefined,
  inherited: readonly string[] = [],
): CredentialLookup {
  const suffix = accountSuffix(account);
  const name = (baseName: string) => {
    const own = `${baseName}${suffix}`;
    return inherited.includes(baseName) && readSetting(env, own) === undefined ? baseName : own;
  };
  const value = (baseName: string) => readSetting(env, name(baseName));
  return {
    value,
    name,
    candidates(baseName: string): Candidate[] {
      const current = value(baseName);
      if (current === undefined) return [];
      return candidatesOf(current, readSetting(env, `${name(baseName)}${PREVIOUS_SUFFIX}`));
    },
  };
}

/** Every credential base name of an adapter: the required ones, then the optional ones. */
function credentialBaseNames(adapter: AnyProviderAdapter): string[] {
  return [...adapter.requiredCredentials, ...adapter.optionalCredentials];
}

/**
 * Which of the adapter's credentials an account sets itself, by full name (never a value);
 * a `<name>_PREVIOUS` is listed only while it is set, so a rotation left half done shows.
 */
export function credentialsSet(
  env: Env,
  adapter: AnyProviderAdapter,
  account: string | undefined,
): Record<string, boolean> {
  const suffix = accountSuffix(account);
  return Object.fromEntries(
    credentialBaseNames(adapter).flatMap((base) => {
      const full = `${base}${suffix}`;
      const own: [string, boolean] = [full, readSetting(env, full) !== undefined];
      const previous = `${full}${PREVIOUS_SUFFIX}`;
      return readSetting(env, previous) === undefined ? [own] : [own, [previous, true] as [string, boolean]];
    }),
  );
}

/** Accounts with at least one credential of their own set, found by their suffixed names. */
export function knownAccounts(env: Env, adapter: AnyProviderAdapter): string[] {
  const accounts = new Set<string>();
  for (const base of credentialBaseNames(adapter)) {
    for (const key of Object.keys(env)) {
      if (!key.startsWith(`${base}_`)) continue;
      const account = key.slice(base.length + 1).toLowerCase();
      const exact = key === `${base}${accountSuffix(account)}`;
      if (exact && ACCOUNT_PATTERN.test(account) && readSetting(env, key) !== undefined) accounts.add(account);
    }
  }
  return [...accounts].sort();
}

/**
 * Whether an account sets at least one of the adapter's credentials itself (the test `knownAccounts`
 * applies to every name in env, for one account). An account that is not known has no credentials at all.
 */
export function isKnownAccount(env: Env, adapter: AnyProviderAdapter, account: string): boolean {
  const suffix = accountSuffix(account);
  return credentialBaseNames(adapter).some((base) => readSetting(env, `${base}${suffix}`) !== undefined);
}

/** Accounts whose required credentials are all set. */
export function configuredAccounts(env: Env, adapter: AnyProviderAdapter): string[] {
  return knownAccounts(env, adapter).filter((account) => missingCredentials(env, adapter, account).length === 0);
}

/** Whether the account's route has its optional encryption secret (the value is never shown). */
export function encryptionConfigured(env: Env, adapter: AnyProviderAdapter, account: string | undefined): boolean {
  const name = adapter.encryptionCredential;
  return name !== undefined && readSetting(env, `${name}${accountSuffix(account)}`) !== undefined;
}
