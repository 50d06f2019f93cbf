import {
  ACCOUNT_PATTERN,
  type CredentialsResult,
  isKnownAccount,
  resolveCredentials,
} from "../config/account-credentials";
import { throwawayCredentials } from "../config/throwaway-credentials";
import { PROVIDER_NAMES } from "../core/cloud-event";
import type { Env } from "../core/env";
import { describeError, type ErrorCode, errorMessage, RelayError } from "../core/errors";
import { log } from "../core/log";
import { settingsOf } from "../core/settings";
import { previousMatches } from "../event-log/credential-matches";
import { countRefusal, UNCONFIGURED_ACCOUNT } from "../event-log/refusals";
import { decodeUtf8 } from "../lib/bytes";
import { decodedContent } from "../lib/content-encoding";
import { MAX_JSON_DEPTH, nestsDeeperThan, valueNestsDeeperThan } from "../lib/json-depth";
import { readBodyCapped } from "../lib/read-capped";
import { type AnyProviderAdapter, normalizedEvents, providerByName } from "../providers/registry";
import type { InboundRequest, PlatformAnswer } from "../providers/types";
import { enqueueEvents } from "../queue/enqueue";

export const MAX_BODY_BYTES = 256 * 1024;

/** How many event ids and types one ingest log line lists at most. */
const LOGGED_EVENTS = 100;
/** How much of one event type the ingest log line keeps. */
const LOGGED_TYPE_CHARS = 200;
/** The code of a callback the provider adapter refused: malformed, unverified, or from an address not allowed. */
const REJECTION_CODE = {
  400: "invalid_callback",
  401: "signature_invalid",
  403: "ip_not_allowed",
} as const satisfies Record<number, ErrorCode>;

/** What the request's one log line says beyond its path, method, status and duration. */
interface LogFields {
  provider?: string;
  account?: string | undefined;
  outcome?: string;
  reason?: string;
  [field: string]: unknown;
}

/** A callback's route, read from its URL: what {@link ingest} needs of it. */
interface WebhookRoute {
  provider: string;
  account: string | undefined;
  /** The URL's path, for the log line. */
  path: string;
  /** The query string exactly as sent, without the leading `?`. */
  rawQuery: string;
}

const WEBHOOKS_PREFIX = "/webhooks/";

/**
 * `/webhooks/<provider>[/<account>][/]` read straight from a request's URL (already parsed and
 * normalized by the runtime), each segment percent-decoded (a malformed escape is kept as sent, and
 * then names no platform or account). `undefined` for any other path, an empty segment or a third one:
 * those are no callback's route.
 */
export function webhookRoute(url: string): WebhookRoute | undefined {
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  if (pathStart < 0 || !url.startsWith(WEBHOOKS_PREFIX, pathStart)) return undefined;
  const fragment = url.indexOf("#", pathStart);
  const end = fragment < 0 ? url.length : fragment;
  const query = url.indexOf("?", pathStart);
  const pathEnd = query < 0 || query > end ? end : query;
  const path = url.slice(pathStart, pathEnd);
  let rest = path.slice(WEBHOOKS_PREFIX.length);
  if (rest.endsWith("/")) rest = rest.slice(0, -1);
  const slash = rest.indexOf("/");
  const provider = slash < 0 ? rest : rest.slice(0, slash);
  const account = slash < 0 ? undefined : rest.slice(slash + 1);
  if (provider === "" || account === "" || account?.includes("/")) return undefined;
  const rawQuery = pathEnd === end ? "" : url.slice(pathEnd + 1, end);
  return { provider: decoded(provider), account: account === undefined ? undefined : decoded(account), path, rawQuery };
}

/** A path segment percent-decoded, or as sent when it holds a malformed escape. */
function decoded(segment: string): string {
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * `/webhooks/<provider>[/<account>]`: route → body limit → credentials → verify →
 * handshake or normalize → enqueue → the platform's exact answer. The response
 * waits for the enqueue and for nothing else.
 *
 * No router and no middleware: the Worker's `fetch` reads the route from the URL ({@link webhookRoute})
 * and calls this, which handles the body, the refusals and the log line, so a callback pays for no
 * dispatch or middleware chain and its URL is parsed once.
 *
 * One log line per request, of one shape, whatever happened: `outcome` is `queued`, `handshake`,
 * `rejected`, `unconfigured`, `enqueue-failed`, `config-invalid` or `error`; `reason` says why.
 * Every refusal is thrown (routing, body limit, credentials, the adapter's verdict, the enqueue) and
 * becomes its response here, without a log line of its own.
 */
export async function ingest(
  request: Request,
  env: Env,
  waitUntil: WaitUntil | undefined,
  route: WebhookRoute,
): Promise<Response> {
  const started = Date.now();
  const fields: LogFields = {};
  let response: Response;
  let failure: ReturnType<typeof describeError> | undefined;
  try {
    response = await accept(request, route, env, fields, started);
  } catch (error) {
    failure = describeError(error instanceof Error ? error : new Error(String(error)));
    response = failure.response;
  }
  const { provider, account: loggedAccount, outcome, reason, ...extra } = fields;
  const routeAccount = typeof loggedAccount === "string" ? loggedAccount : "";
  log("ingest", {
    path: route.path,
    method: request.method,
    provider,
    account: loggedAccount,
    outcome: outcome ?? failure?.outcome,
    status: response.status,
    reason: reason ?? failure?.reason,
    ...extra,
    durationMs: Date.now() - started,
  });
  // Refused callbacks of a known platform are counted for the event log, written after the response.
  if (failure !== undefined && typeof provider === "string") {
    const counted = failure.outcome === "error" ? "internal error" : failure.reason;
    countRefusal(env.RELAY_LOG, waitUntil, {
      provider,
      account: countedAccount(env, provider, routeAccount),
      status: response.status,
      reason: counted,
    });
  }
  // Accepted callbacks verified with a `_PREVIOUS` credential: counted the same way, for `/admin/stats`.
  if (failure === undefined && typeof provider === "string" && extra.credential === "previous") {
    previousMatches.countAfterResponse(env.RELAY_LOG, waitUntil, { provider, account: routeAccount });
  }
  return response;
}

/** The callback taken in, or a thrown refusal; `note` fills the log line's fields as it goes. */
async function accept(
  request: Request,
  route: WebhookRoute,
  env: Env,
  note: LogFields,
  started: number,
): Promise<Response> {
  const { account } = route;
  const adapter = providerByName(route.provider);
  if (adapter === undefined || (account !== undefined && !ACCOUNT_PATTERN.test(account))) {
    throw new RelayError(
      404,
      "not_found",
      `no such webhook route: use /webhooks/<platform> or /webhooks/<platform>/<account>, platform one of ${PROVIDER_NAMES.join(", ")}, account in lower case (a-z, 0-9, _)`,
    );
  }
  const provider = adapter.name;
  note.provider = provider;
  note.account = account;
  if (!(adapter.methods as readonly string[]).includes(request.method)) {
    throw new RelayError(405, "method_not_allowed", `method ${request.method} is not allowed here`, {
      headers: { allow: adapter.methods.join(", ") },
    });
  }
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  const bytes = hasBody ? await bodyOf(request) : undefined;

  const resolved = credentialsOf(env, adapter, account);
  let credentials = resolved.ok ? resolved.credentials : undefined;
  if (!resolved.ok) {
    const who = `${provider}${account ? ` account ${account}` : ""}`;
    const missing = `${who} is not configured: ${resolved.missing.join(", ")} not set`;
    note.outcome = "unconfigured";
    note.reason = missing;
    // The base route, or an account with credentials of its own: nothing to probe, so the answer says what is missing.
    if (account === undefined || isKnownAccount(env, adapter, account))
      throw new RelayError(503, "provider_not_configured", missing);
    // An account with no credentials at all is checked against throwaway ones, and so answered exactly as a
    // configured account answers a forged callback: account names cannot be probed. Only the log names the secret.
    credentials = throwawayCredentials(env, adapter, account);
  }

  const inbound = readInbound(request, route.rawQuery, bytes);
  if (typeof inbound === "string") throw new RelayError(400, "invalid_callback", inbound);

  const settings = settingsOf(env);
  const verification = await adapter.verify(inbound, credentials, {
    now: started,
    replayWindowSeconds: settings.replayWindowSeconds,
  });
  if (!verification.ok)
    throw new RelayError(verification.status, REJECTION_CODE[verification.status], verification.reason);

  // Which credential matched (the current one or `_PREVIOUS` during a rotation), for the log line.
  note.credential = verification.credential;
  const handshake = adapter.handshake(verification.value);
  if (handshake !== null) {
    note.outcome = "handshake";
    return answer(handshake);
  }

  const source = account ? `/webhooks/${provider}/${account}` : `/webhooks/${provider}`;
  const events = await normalizedEvents(adapter, verification.value, started, source);
  // A body's own nesting is checked on arrival; this catches what was inside base64 or encrypted data.
  if (events.some((event) => valueNestsDeeperThan(event.data.raw, MAX_JSON_DEPTH))) {
    throw new RelayError(
      400,
      "invalid_callback",
      `the callback's data nests JSON deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  // One log line of bounded size: a callback with thousands of items names its first 100 and counts them all.
  const listed = events.length > LOGGED_EVENTS ? events.slice(0, LOGGED_EVENTS) : events;
  const ids = listed.map((event) => event.id);
  if (events.length > LOGGED_EVENTS) note.events = events.length;
  if (events.length > 0) {
    try {
      const dedupUntil = adapter.replayableUntil?.(verification.value);
      // The callback itself goes with them: when its events are too large to queue together, it is what is kept.
      const origin = { provider, source, verified: verification.value };
      await enqueueEvents(env.EVENTS_QUEUE, env.RELAY_STATE, events, origin, started, dedupUntil);
    } catch (error) {
      note.outcome = "enqueue-failed";
      note.ids = ids;
      note.reason = errorMessage(error);
      throw new RelayError(503, "queue_unavailable", "the event could not be queued; retry later");
    }
  }
  note.outcome = "queued";
  note.ids = ids;
  // Each type cut to 200 characters: a callback's items share their event name, which may be long.
  note.types = listed.map(({ type }) =>
    type.length > LOGGED_TYPE_CHARS ? `${type.slice(0, LOGGED_TYPE_CHARS)}…` : type,
  );
  return answer(adapter.success(verification.value));
}

/**
 * The body, read once, with its own size check: a declared length over the limit is refused unread. A body
 * sent compressed (`Content-Encoding: gzip` or `deflate`) is held to the same limit once decompressed: the
 * signatures cover what it holds.
 */
async function bodyOf(request: Request): Promise<Uint8Array> {
  const sent = await readBodyCapped(request, MAX_BODY_BYTES);
  const contentEncoding = request.headers.get("content-encoding");
  const bytes = sent === undefined ? "too-large" : await decodedContent(sent, contentEncoding, MAX_BODY_BYTES);
  if (bytes === "too-large") {
    throw new RelayError(413, "payload_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  if (bytes === "corrupt") {
    const coding = contentEncoding?.trim().toLowerCase();
    throw new RelayError(
      400,
      "invalid_callback",
      `request body is not valid ${coding}: it does not decompress as its Content-Encoding says`,
    );
  }
  return bytes;
}

/**
 * An account's credentials, built once per env object (that is, once per isolate in production) and
 * route: vars and secrets do not change while an isolate lives. A credential set in a form that can
 * never work throws every time (answered 503), and is not kept; nor is a route without credentials.
 */
const credentialCache = new WeakMap<Env, Map<string, CredentialsResult>>();

function credentialsOf(env: Env, adapter: AnyProviderAdapter, account: string | undefined): CredentialsResult {
  let byRoute = credentialCache.get(env);
  if (byRoute === undefined) {
    byRoute = new Map();
    credentialCache.set(env, byRoute);
  }
  const key = account === undefined ? adapter.name : `${adapter.name}/${account}`;
  let resolved = byRoute.get(key);
  if (resolved === undefined) {
    resolved = resolveCredentials(env, adapter, account);
    // Only configured routes are kept: they are as many as the vars, whereas anyone may make up account names.
    if (resolved.ok) byRoute.set(key, resolved);
  }
  return resolved;
}

/**
 * The account a refusal is counted under: every account without credentials shares one, so a flood
 * to made-up account names adds no rows.
 */
function countedAccount(env: Env, provider: string, account: string): string {
  const adapter = providerByName(provider);
  if (account === "" || (adapter !== undefined && isKnownAccount(env, adapter, account))) return account;
  return UNCONFIGURED_ACCOUNT;
}

type WaitUntil = (promise: Promise<unknown>) => void;

function answer({ status, body, contentType }: PlatformAnswer): Response {
  return new Response(body, { status, headers: { "content-type": contentType } });
}

/** The request as adapters see it; a string is the 400 message for a body that is not UTF-8 or nests too deep. */
function readInbound(request: Request, rawQuery: string, bytes: Uint8Array | undefined): InboundRequest | string {
  let body = "";
  if (bytes !== undefined) {
    const decoded = decodeUtf8(bytes);
    if (decoded === null) return "request body is not valid UTF-8";
    if (nestsDeeperThan(decoded, MAX_JSON_DEPTH)) return `request body nests JSON deeper than ${MAX_JSON_DEPTH} levels`;
    body = decoded;
  }
  return {
    method: request.method,
    rawQuery,
    headers: request.headers,
    body,
    clientIp: request.headers.get("cf-connecting-ip") ?? undefined,
  };
}
