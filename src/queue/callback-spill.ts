import type { ProviderName, RelayEvent } from "../core/cloud-event";
import { sha256Hex } from "../lib/crypto";
import { normalizedEvents, providerByName } from "../providers/registry";
import { putSpill, SPILL_PREFIX, SpillMissingError } from "./spill";

/**
 * What a callback's events are made from: the callback as its platform's adapter verified it (plain
 * JSON: an adapter's verified value holds nothing else), the platform and the ingest path. A callback
 * is at most 256 KiB, while its events can weigh a hundred times more (90,000 payload items of `0`
 * make 90,000 CloudEvents, about 38 MB, past the 25 MiB KV takes as one value); so a callback whose
 * events are too large for one queue message is kept in KV as this, and the split makes its events.
 */
export interface CallbackOrigin {
  provider: ProviderName;
  source: string;
  verified: unknown;
}

/**
 * Writes the callback to KV (one write, about the size of the body) and answers its key, the same
 * for every platform retry of it (the platform resends the same signed data). The key is the digest of
 * what it holds, so a write KV refuses because the key was written less than a second ago (the platform
 * sent the callback twice within a second) counts as done.
 */
export async function spillCallback(state: KVNamespace, origin: CallbackOrigin): Promise<string> {
  const json = JSON.stringify(origin);
  const key = `${SPILL_PREFIX}${await sha256Hex(json)}`;
  await putSpill(state, key, json, "written-already");
  return key;
}

/**
 * The events of a callback written by {@link spillCallback}, normalized again by its adapter with the
 * time ingest received it, so they are the events ingest made (same ids, same fallback times).
 * Throws {@link SpillMissingError} when KV does not have the callback.
 */
export async function callbackEvents(state: KVNamespace, key: string, receivedAt: number): Promise<RelayEvent[]> {
  const origin = await state.get<CallbackOrigin>(key, "json");
  if (origin === null) throw new SpillMissingError(`the spilled callback ${key} is not in KV`);
  const adapter = providerByName(origin.provider);
  if (adapter === undefined) throw new Error(`the spilled callback ${key} names no platform the relay speaks`);
  return normalizedEvents(adapter, origin.verified, receivedAt, origin.source);
}
