import { DEFAULT_CHAT_TYPES } from "../../config/target-kinds";
import type { ChatTarget, Target } from "../../config/targets-schema";

/** Whether a target is a chat's bot (any `kind` but `webhook`). */
export function isChatTarget(target: Target): target is ChatTarget {
  return target.kind !== undefined && target.kind !== "webhook";
}

/** The type globs a target wants: its own, or for a chat target without any, the moments teams announce. */
export function wantedTypes(target: Target): readonly string[] | undefined {
  return target.types ?? (isChatTarget(target) ? DEFAULT_CHAT_TYPES : undefined);
}
