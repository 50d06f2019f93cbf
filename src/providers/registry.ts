import type { ProviderName } from "../events";
import { huaweiMeeting } from "./huawei-meeting";
import { tencentMeeting } from "./tencent-meeting";
import { tencentWhiteboard } from "./tencent-whiteboard";
import type { ProviderAdapter } from "./types";
import { yunhuni } from "./yunhuni";

// biome-ignore lint/suspicious/noExplicitAny: each adapter has its own credential and verified types; ingest treats them alike.
export type AnyProviderAdapter = ProviderAdapter<any, any>;

/** Every platform the relay speaks. Adding one is a folder plus a line here. */
export const PROVIDERS: readonly AnyProviderAdapter[] = [tencentMeeting, huaweiMeeting, yunhuni, tencentWhiteboard];

const byName = new Map<string, AnyProviderAdapter>(PROVIDERS.map((adapter) => [adapter.name, adapter]));

export function providerByName(name: string): AnyProviderAdapter | undefined {
  return byName.get(name);
}

export type { ProviderName };
