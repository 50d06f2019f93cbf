import { loadTargets } from "../../config/targets";
import type { RelayEvent } from "../../core/cloud-event";
import type { Env } from "../../core/env";
import { settingsOf } from "../../core/settings";
import { wantsOwnEvent } from "../match";
import { RelayOutbox } from "./outbox";

/**
 * Raises one relay event now (an operator's pause, a finished resume): queued when a target of the
 * current document names it, with one send; nothing when none does, or the document is unreadable.
 */
export async function reportNow(env: Env, event: RelayEvent): Promise<void> {
  const loaded = await loadTargets(env, settingsOf(env)).catch(() => undefined);
  if (!loaded?.ok) return;
  const outbox = new RelayOutbox();
  outbox.add(event);
  await outbox.flush(env, loaded.targets);
}

/** Whether a target of the current document would take an event of this type about `target` (no KV read when cached). */
export async function someoneWants(env: Env, event: RelayEvent): Promise<boolean> {
  const loaded = await loadTargets(env, settingsOf(env)).catch(() => undefined);
  return loaded?.ok === true && loaded.targets.some((target) => wantsOwnEvent(target, event));
}
