import type { Env } from "../core/env";
import type { Target } from "./targets-schema.ts";

/** The relay's own event types start with this (`relay.target.paused`, …); a target names them with such a pattern. */
export const OWN_EVENT_PREFIX = "relay.";

/**
 * KV `RELAY_STATE` key holding the targets of the last valid document that name the relay's own events: where
 * `relay.config.invalid` goes while the stored document is invalid (the invalid one cannot say).
 */
export const OPS_TARGETS_KEY = "relay-events:targets";

/** Whether a target names any of the relay's own events (a `types` pattern starting with `relay.`). */
function namesOwnEvents(target: Target): boolean {
  return (target.types ?? []).some((pattern) => pattern.startsWith(OWN_EVENT_PREFIX));
}

/** What this isolate knows is stored, so a valid document costs one KV read per isolate and a write only on a change. */
let kept: { env: Env; text: string } | undefined;

/** Keeps the ops targets of a valid document (see {@link OPS_TARGETS_KEY}); throws when KV fails. */
export async function keepOpsTargets(env: Env, targets: readonly Target[]): Promise<void> {
  const text = JSON.stringify(targets.filter(namesOwnEvents));
  if (kept?.env === env && kept.text === text) return;
  const stored = await env.RELAY_STATE.get(OPS_TARGETS_KEY);
  if (stored !== text && !(stored === null && text === "[]")) await env.RELAY_STATE.put(OPS_TARGETS_KEY, text);
  kept = { env, text };
}

export function forgetKeptOpsTargets(): void {
  kept = undefined;
}
