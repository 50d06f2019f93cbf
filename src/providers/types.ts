import type { EventDraft, ProviderName } from "../core/cloud-event";

/** The request as a provider adapter sees it: already behind the body limit. */
export interface InboundRequest {
  method: string;
  /** The query string exactly as sent, without the leading `?` (Tencent's `check_str` needs it raw). */
  rawQuery: string;
  headers: Headers;
  /** The body exactly as sent, decoded as UTF-8 ("" for GET). */
  body: string;
  /** `CF-Connecting-IP`, when present. */
  clientIp: string | undefined;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now: number;
  /** Max age of a signed timestamp in seconds; 0 disables the check. */
  replayWindowSeconds: number;
}

/** The exact answer a platform demands (status, body, content type). */
export interface PlatformAnswer {
  status: number;
  body: string;
  contentType: string;
}

/** A rejection is a value with a status (400 malformed, 401 unverified, 403 forbidden) and a clear reason. */
interface Rejection {
  ok: false;
  status: 400 | 401 | 403;
  reason: string;
}

/**
 * Which value of a secret verified a callback: the current one, or the one kept in
 * `<credential>_PREVIOUS` while a rotation is under way.
 */
export type CredentialSlot = "current" | "previous";

/** One accepted value of a secret. */
export interface Candidate {
  slot: CredentialSlot;
  value: string;
}

export type Verification<T> = { ok: true; value: T; credential: CredentialSlot } | Rejection;

/** One step of a verification: a value, or the rejection that ends it. */
export type Checked<T> = { ok: true; value: T } | Rejection;

export function reject(status: Rejection["status"], reason: string): Rejection {
  return { ok: false, status, reason };
}

/** Reads credentials by base name; the account suffix (`_ACME`) is applied by ingest. */
export interface CredentialLookup {
  /** A var (or a secret that is never rotated). */
  value(baseName: string): string | undefined;
  /**
   * A secret that may be rotated: the current value first, then `<name>_PREVIOUS` when set.
   * Empty when the current value is not set.
   */
  candidates(baseName: string): Candidate[];
  /**
   * The full name read, account suffix included (`TENCENT_MEETING_TOKEN_ACME`, or the base name an
   * inherited credential fell back to), for messages that say what to fix.
   */
  name(baseName: string): string;
}

/**
 * One platform. Pure: no Hono, no bindings. Ingest drives every adapter the same
 * way: credentials → verify → handshake? → normalize → success answer.
 */
export interface ProviderAdapter<Credentials = unknown, Verified = unknown> {
  readonly name: ProviderName;
  /** HTTP methods the platform uses; anything else is 405. */
  readonly methods: readonly ("GET" | "POST")[];
  /** Base names of the credentials that must be set (secrets or vars), for 503s and /healthz. */
  readonly requiredCredentials: readonly string[];
  /** Base name of the optional secret that turns on encrypted callbacks, for /healthz. */
  readonly encryptionCredential?: string;
  /** Base names of credentials read when set (listed by `GET /admin/providers`, never their values). */
  readonly optionalCredentials: readonly string[];
  /**
   * Optional credentials that restrict access: an account route without its own value reads the base
   * name's, so a restriction set for the whole platform never falls away on an account route.
   */
  readonly inheritedCredentials?: readonly string[];
  /**
   * Builds the credentials; called only when every required one is set. Throws a
   * `SettingsError` for a credential set in a form that can never work (answered 503).
   */
  credentials(lookup: CredentialLookup): Credentials;
  /**
   * Signature, freshness, shape. Never throws for bad input; may throw a `SettingsError` (answered 503)
   * when a verified callback shows the relay is misconfigured (Tencent Meeting: an encrypted callback on a
   * route without its EncodingAESKey), so the platform retries until the operator fixes it.
   */
  verify(request: InboundRequest, credentials: Credentials, clock: Clock): Promise<Verification<Verified>>;
  /** A handshake is answered with this and never forwarded; `null` for ordinary events. */
  handshake(verified: Verified): PlatformAnswer | null;
  /**
   * When an exact replay of this callback would stop verifying (ms since the epoch), for a platform
   * whose signature expires at a time it states (the whiteboard's ExpireTime): the relay keeps the
   * callback's dedup markers at least until then. Absent: `DEDUP_TTL_SECONDS` alone.
   */
  replayableUntil?(verified: Verified): number;
  /**
   * One or more events; unknown provider events become `<provider>/<event>`, never dropped. The same
   * `verified` and `receivedAt` always make the same events, and `verified` holds plain JSON only: a
   * callback whose events are too large to queue together is kept in KV as JSON, and normalized again
   * when its events are split off the response path (src/queue/callback-spill.ts).
   */
  normalize(verified: Verified, receivedAt: number): Promise<EventDraft[]>;
  /** The platform's exact success form, sent once the events are durably queued. */
  success(verified: Verified): PlatformAnswer;
}

export const TEXT_PLAIN = "text/plain; charset=utf-8";
export const APPLICATION_JSON = "application/json; charset=utf-8";
