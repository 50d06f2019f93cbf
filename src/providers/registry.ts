import { PROVIDER_NAMES, type ProviderName } from "../core/cloud-event";
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
