import { credentialLookup } from "../../src/config/account-credentials";
import type { Env } from "../../src/core/env";
import type { CredentialLookup } from "../../src/providers/types";

/**
 * The values each rotated credential had before: tests set them as `<name>_PREVIOUS`
 * and sign with them. Fake, like every credential of the suite.
 */
export const PREVIOUS_VALUES = {
  TENCENT_MEETING_TOKEN: "tmtoken-previous-000000001",
  HUAWEI_MEETING_APP_KEY: "hw-subscriber-key-previous-1",
  YUNHUNI_TOKEN: "yunhuni-token-previous-0001",
  TIW_CALLBACK_KEY: "tiw-callback-key-previous-1",
} as const;

/** A value that was never any credential's. */
export const UNKNOWN_SECRET = "never-a-credential-00000001";

/** The relay's own credential lookup over a plain set of names (no account). */
export function lookupFrom(values: Record<string, string | undefined>): CredentialLookup {
  return credentialLookup(values as unknown as Env, undefined);
}
