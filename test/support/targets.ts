import { env } from "cloudflare:workers";
import { forgetCachedTargets } from "../../src/config/targets";
import type { Target } from "../../src/config/targets-schema";

/** The example target of docs/delivery.md, every field set. */
export const EXAMPLE_TARGET = {
  id: "crm",
  url: "https://crm.example.com/hooks/meetings",
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  types: ["meeting.*", "participant.joined"],
  providers: ["tencent-meeting"],
  headers: { "x-api-key": "example-api-key-k3Jq" },
  timeoutMs: 10000,
  enabled: true,
} satisfies Target;

/** More signing secrets the suite's targets use (rotation: the previous one, a third one). */
export const OLD_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
export const THIRD_SECRET = "whsec_dGhpcmQtc2VjcmV0LTAwMDAwMDAx";

/**
 * The write-only values of the suite's targets (signing secrets, header values): the admin API shows
 * them masked, so no response and no log line may hold one (test/support/hygiene.ts).
 */
export const TARGET_SECRET_VALUES: readonly string[] = [
  EXAMPLE_TARGET.secret,
  OLD_SECRET,
  THIRD_SECRET,
  EXAMPLE_TARGET.headers["x-api-key"],
  "api-key-value",
];

/** Stores a targets document in local KV and makes the relay read it at once. */
export async function useTargets(targets: Target[] | string): Promise<void> {
  await env.RELAY_CONFIG.put("targets", typeof targets === "string" ? targets : JSON.stringify(targets));
  forgetCachedTargets();
}
