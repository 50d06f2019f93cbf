import type { Env } from "../core/env";
import { toHex } from "../lib/bytes";
import type { AnyProviderAdapter } from "../providers/registry";
import type { CredentialLookup } from "../providers/types";
import { credentialLookup } from "./account-credentials";

/** Random stand-ins by credential base name (so per provider), made once per isolate and never shown. */
const throwawayValues = new Map<string, string>();

function throwawayValue(baseName: string): string {
  let value = throwawayValues.get(baseName);
  if (value === undefined) {
    value = toHex(crypto.getRandomValues(new Uint8Array(24)));
    throwawayValues.set(baseName, value);
  }
  return value;
}

/**
 * Credentials of the adapter's usual shape for an account that has none at all: each required one
 * a random value no caller can know, the optional ones read as for any account (an account without
 * its own `YUNHUNI_ALLOWED_IPS_<ACCOUNT>` uses the base list). A callback checked against them fails
 * verification with the same answer, and the same work, as a configured account's forged callback:
 * the answer never says whether an account exists.
 */
export function throwawayCredentials<C>(
  env: Env,
  adapter: Pick<AnyProviderAdapter, "requiredCredentials" | "inheritedCredentials" | "credentials">,
  account: string,
): C {
  const own = credentialLookup(env, account, adapter.inheritedCredentials);
  const stands = (baseName: string) => adapter.requiredCredentials.includes(baseName);
  const lookup: CredentialLookup = {
    value: (baseName) => (stands(baseName) ? throwawayValue(baseName) : own.value(baseName)),
    candidates: (baseName) =>
      stands(baseName) ? [{ slot: "current", value: throwawayValue(baseName) }] : own.candidates(baseName),
    name: own.name,
  };
  return adapter.credentials(lookup) as C;
}
