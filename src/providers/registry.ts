import type { ProviderName } from "../events";
import { tencentMeeting } from "./tencent-meeting";
import type { ProviderAdapter } from "./types";

// biome-ignore lint/suspicious/noExplicitAny: each adapter has its own credential and verified types; ingest treats them alike.
export type AnyProviderAdapter = ProviderAdapter<any, any>;

/** Every platform the relay speaks. Adding one is a folder plus a line here. */
export const PROVIDERS: readonly AnyProviderAdapter[] = [tencentMeeting];

const byName = new Map<string, AnyProviderAdapter>(PROVIDERS.map((adapter) => [adapter.name, adapter]));

export function providerByName(name: string): AnyProviderAdapter | undefined {
  return byName.get(name);
}

export type { ProviderName };
