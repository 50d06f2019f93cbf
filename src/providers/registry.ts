import { PROVIDER_NAMES, type ProviderName, type RelayEvent, toCloudEvent } from "../core/cloud-event";
import { huaweiMeeting } from "./huawei-meeting";
import { tencentMeeting } from "./tencent-meeting";
import { tencentWhiteboard } from "./tencent-whiteboard";
import type { ProviderAdapter } from "./types";
import { yunhuni } from "./yunhuni";

// biome-ignore lint/suspicious/noExplicitAny: each adapter has its own credential and verified types; ingest treats them alike.
export type AnyProviderAdapter = ProviderAdapter<any, any>;

/** Each platform's adapter. Adding one is a folder, its name in PROVIDER_NAMES (src/core/cloud-event.ts) and a line here. */
const ADAPTERS: Readonly<Record<ProviderName, AnyProviderAdapter>> = {
  "tencent-meeting": tencentMeeting,
  "huawei-meeting": huaweiMeeting,
  yunhuni,
  "tencent-whiteboard": tencentWhiteboard,
};

/** Every platform the relay speaks, in the order of PROVIDER_NAMES. */
export const PROVIDER_ADAPTERS: readonly AnyProviderAdapter[] = PROVIDER_NAMES.map((name) => ADAPTERS[name]);

const byName = new Map<string, AnyProviderAdapter>(Object.entries(ADAPTERS));

export function providerByName(name: string): AnyProviderAdapter | undefined {
  return byName.get(name);
}

/**
 * A verified callback's events as CloudEvents received on `source` at `receivedAt`: what ingest queues,
 * and what the split makes again from a callback kept in KV (the same ids and times, since normalizing
 * is deterministic).
 */
export async function normalizedEvents(
  adapter: AnyProviderAdapter,
  verified: unknown,
  receivedAt: number,
  source: string,
): Promise<RelayEvent[]> {
  const drafts = await adapter.normalize(verified, receivedAt);
  return drafts.map((draft) => toCloudEvent(draft, adapter.name, source));
}
