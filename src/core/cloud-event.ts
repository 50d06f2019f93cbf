/** The normalized event: CloudEvents 1.0, structured JSON (docs/architecture.md, "The normalized event"). */
export interface RelayEvent {
  specversion: "1.0";
  /** Stable across platform retries: the dedup key and the `webhook-id`. */
  id: string;
  /** The ingest path, with the account segment when used. */
  source: string;
  type: string;
  subject?: string;
  /** RFC 3339 UTC. */
  time: string;
  datacontenttype: "application/json";
  /** The platform, or `relay` for the relay's own events (`relay.*`, src/delivery/relay-events/). */
  provider: ProviderName | typeof RELAY_PROVIDER;
  providerevent: string;
  data: EventData;
}

/**
 * Every platform the relay speaks: the CloudEvent's `provider`, the `/webhooks/<provider>` path segment and the
 * names a target may filter on. src/providers/registry.ts must map each to its adapter (the compiler checks it);
 * the targets schema, its JSON Schema, the harness and the benchmark all read this list.
 */
export const PROVIDER_NAMES = ["tencent-meeting", "huawei-meeting", "yunhuni", "tencent-whiteboard"] as const;

export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** The `provider` of the relay's own events; their `source` is `/relay`. */
export const RELAY_PROVIDER = "relay";

export interface EventData {
  meeting?: Record<string, unknown>;
  participant?: Record<string, unknown>;
  operator?: Record<string, unknown>;
  task?: Record<string, unknown>;
  recording?: Record<string, unknown>;
  /** The provider's own item, untouched. */
  raw: unknown;
  /** Only while queued, for an event too large for a queue message: its KV key (see src/queue/spill.ts). */
  spilled?: string;
}

/** What a provider adapter produces; ingest adds `specversion`, `source` and `datacontenttype`. */
export type EventDraft = Omit<RelayEvent, "specversion" | "source" | "datacontenttype" | "provider">;

/** An adapter's draft as a CloudEvent received on `source` (the ingest path, with the account segment when used). */
export function toCloudEvent(draft: EventDraft, provider: ProviderName, source: string): RelayEvent {
  return {
    specversion: "1.0",
    id: draft.id,
    source,
    type: draft.type,
    ...(draft.subject === undefined ? {} : { subject: draft.subject }),
    time: draft.time,
    datacontenttype: "application/json",
    provider,
    providerevent: draft.providerevent,
    data: draft.data,
  };
}

/** The relay's type for a provider event, or `<provider>/<event>` when the vocabulary has none. */
export function eventType(
  provider: ProviderName,
  vocabulary: Readonly<Record<string, string>>,
  providerEvent: string,
): string {
  return Object.hasOwn(vocabulary, providerEvent)
    ? (vocabulary[providerEvent] as string)
    : `${provider}/${providerEvent}`;
}

/** Drops keys whose value is `undefined` or `null`, so events carry no empty fields. */
export function compact<T extends Record<string, unknown>>(
  record: T,
): { [K in keyof T]?: Exclude<T[K], undefined | null> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined && value !== null && value !== "") out[key] = value;
  }
  return out as { [K in keyof T]?: Exclude<T[K], undefined | null> };
}
