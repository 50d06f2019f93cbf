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
  headers: { "x-api-key": "k" },
  timeoutMs: 10000,
  enabled: true,
} satisfies Target;

/** Stores a targets document in local KV and makes the relay read it at once. */
export async function useTargets(targets: Target[] | string): Promise<void> {
  await env.RELAY_CONFIG.put("targets", typeof targets === "string" ? targets : JSON.stringify(targets));
  forgetCachedTargets();
}
