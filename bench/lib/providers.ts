import {
  credentialVars,
  distinctCallback,
  type PlatformCredentials,
  PROVIDER_NAMES,
  type Provider,
  type SignedCallback,
} from "../../tools/harness/samples.ts";

/**
 * Signed requests come from the e2e harness (tools/harness/samples.ts): each
 * platform's scheme implemented with node:crypto, independently of the relay.
 * Every `distinctCallback(…, n)` is a different event whose `subject` (meeting,
 * conference or task id) ends with n as 8 digits; with n unique across the run,
 * the e2e sink maps a delivery back to its send time through that subject.
 */
export type { Provider, SignedCallback };
export { PROVIDER_NAMES };

/** Fake credentials of the benchmarked relay (never real ones). */
export const BENCH_CREDENTIALS: PlatformCredentials = {
  tencentToken: "benchTencentToken00000001",
  huaweiAppId: "bench-huawei-subscriber",
  huaweiAppKey: "bench-huawei-subscriber-key",
  yunhuniToken: "bench-yunhuni-token",
  whiteboardKey: "benchWhiteboardKey",
};

/** The relay's `.dev.vars` for the benchmark. */
export function benchVars(extra: Record<string, string> = {}): Record<string, string> {
  return { ...credentialVars(BENCH_CREDENTIALS), ADMIN_TOKEN: "bench-admin-token-000000000000000", ...extra };
}

let sequence = 0;

/** The next distinct, freshly signed callback of `provider`; `n` never repeats within a run. */
export function nextCallback(provider: Provider, now = Date.now()): { n: number; callback: SignedCallback } {
  const n = sequence++;
  return { n, callback: distinctCallback(BENCH_CREDENTIALS, provider, n, now) };
}

/** The `n` of a delivered event, from its subject (see above); `undefined` if it has none. */
export function sequenceOfSubject(subject: unknown): number | undefined {
  const match = typeof subject === "string" ? /(\d{8})$/.exec(subject) : null;
  return match ? Number(match[1]) : undefined;
}

/** The e2e sink's Standard Webhooks secret (fake). */
export const SINK_SECRET = "whsec_YmVuY2gtc2luay1zZWNyZXQtMDAwMDAwMDAwMDA=";

/** `size` distinct signed callbacks, the providers in turn. */
export function callbackPool(providers: readonly Provider[], size: number): SignedCallback[] {
  const now = Date.now();
  return Array.from(
    { length: size },
    (_, i) => nextCallback(providers[i % providers.length] as Provider, now).callback,
  );
}
