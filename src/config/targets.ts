import type { Env } from "../core/env";
import { forgetKeptOpsTargets } from "./ops-targets.ts";
import { parseTargetsText, type TargetsResult, type ValidationOptions } from "./validate-targets.ts";

/** KV `RELAY_CONFIG` key holding the targets document. */
export const TARGETS_KEY = "targets";
/** How long one isolate trusts what it read; an admin PUT clears it at once. */
const CACHE_MS = 5_000;

let cached: { at: number; env: Env; result: TargetsResult } | undefined;

/** The targets, validated, cached briefly per isolate. */
export async function loadTargets(env: Env, options: ValidationOptions, now = Date.now()): Promise<TargetsResult> {
  if (cached && cached.env === env && now - cached.at < CACHE_MS) return cached.result;
  const result = parseTargetsText(await env.RELAY_CONFIG.get(TARGETS_KEY), options);
  cached = { at: now, env, result };
  return result;
}

export function forgetCachedTargets(): void {
  cached = undefined;
  forgetKeptOpsTargets();
}

export { keepOpsTargets, OPS_TARGETS_KEY, OWN_EVENT_PREFIX } from "./ops-targets.ts";
export type { Target } from "./targets-schema.ts";
export {
  MAX_TARGETS_BYTES,
  nestingProblem,
  type Problem,
  parseTargetsText,
  type TargetsResult,
  validateTargets,
} from "./validate-targets.ts";
