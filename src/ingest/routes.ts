import { type Context, Hono } from "hono";
import { ACCOUNT_PATTERN, isKnownAccount, resolveCredentials } from "../config/account-credentials";
import { throwawayCredentials } from "../config/throwaway-credentials";
import { PROVIDER_NAMES, toCloudEvent } from "../core/cloud-event";
import type { Env } from "../core/env";
import { describeError, type ErrorCode, errorMessage, RelayError } from "../core/errors";
import { log } from "../core/log";
import { settingsOf } from "../core/settings";
import { previousMatches } from "../event-log/credential-matches";
import { countRefusal, UNCONFIGURED_ACCOUNT } from "../event-log/refusals";
import { decodeUtf8 } from "../lib/bytes";
import { MAX_JSON_DEPTH, nestsDeeperThan, valueNestsDeeperThan } from "../lib/json-depth";
import { readBodyCapped } from "../lib/read-capped";
import { type AnyProviderAdapter, providerByName } from "../providers/registry";
import type { InboundRequest, PlatformAnswer } from "../providers/types";
import { enqueueEvents } from "../queue/enqueue";

export const MAX_BODY_BYTES = 256 * 1024;

/** How many event ids and types one ingest log line lists at most. */
const LOGGED_EVENTS = 100;
/** The code of a callback the provider adapter refused: malformed, unverified, or from an address not allowed. */
const REJECTION_CODE = {
  400: "invalid_callback",
  401: "signature_invalid",
  403: "ip_not_allowed",
} as const satisfies Record<number, ErrorCode>;

type IngestEnv = {
  Bindings: Env;
  Variables: {
    adapter: AnyProviderAdapter;
    account: string | undefined;
    logFields: Record<string, unknown>;
    /** The request URL, parsed once. */
    url: URL;
  };
};

/**
 * `/webhooks/<provider>[/<account>]`: route → body limit → credentials → verify →
 * handshake or normalize → enqueue → the platform's exact answer. The response
 * waits for the enqueue and for nothing else.
 */
export const webhooks = new Hono<IngestEnv>();

// Every refusal is thrown (routing, body limit, credentials, the adapter's verdict, the enqueue) and
// becomes its response here, without a log line of its own: the middleware below writes the one line.
webhooks.onError((error) => describeError(error).response);

/**
 * One log line per request, of one shape, whatever happened: `outcome` is `queued`, `handshake`,
 * `rejected`, `unconfigured`, `enqueue-failed`, `config-invalid` or `error`; `reason` says why.
 */
webhooks.use("*", async (c, next) => {
  const started = Date.now();
  await next();
  const fields = c.get("logFields") as Record<string, unknown> | undefined;
  // Not an ingest route at all (say `/webhooks/a/b/c`): the app's not-found handler logged it.
  if (fields === undefined && c.error === undefined) return;
  const failure = c.error === undefined ? undefined : describeError(c.error);
  const { provider, account, outcome, reason, ...extra } = fields ?? {};
  const routeAccount = typeof account === "string" ? account : "";
  log("ingest", {
    path: (c.get("url") ?? new URL(c.req.url)).pathname,
    method: c.req.method,
    provider,
    account,
    outcome: outcome ?? failure?.outcome,
    status: c.res.status,
    reason: reason ?? failure?.reason,
    ...extra,
    durationMs: Date.now() - started,
  });
  // Refused callbacks of a known platform are counted for the event log, written after the response.
  if (failure !== undefined && typeof provider === "string") {
    const counted = failure.outcome === "error" ? "internal error" : failure.reason;
    countRefusal(c.env.RELAY_LOG, waitUntilOf(c), {
      provider,
      account: countedAccount(c.env, provider, routeAccount),
      status: c.res.status,
      reason: counted,
    });
  }
  // Accepted callbacks verified with a `_PREVIOUS` credential: counted the same way, for `/admin/stats`.
  if (failure === undefined && typeof provider === "string" && extra.credential === "previous") {
    previousMatches.countAfterResponse(c.env.RELAY_LOG, waitUntilOf(c), { provider, account: routeAccount });
  }
});

webhooks.use("/:provider/:account?", async (c, next) => {
  const adapter = providerByName(c.req.param("provider"));
  const account = c.req.param("account");
  if (adapter === undefined || (account !== undefined && !ACCOUNT_PATTERN.test(account))) {
    throw new RelayError(
      404,
      "not_found",
      `no such webhook route: use /webhooks/<platform> or /webhooks/<platform>/<account>, platform one of ${PROVIDER_NAMES.join(", ")}, account in lower case (a-z, 0-9, _)`,
    );
  }
  c.set("logFields", { provider: adapter.name, account });
  c.set("url", new URL(c.req.url));
  if (!(adapter.methods as readonly string[]).includes(c.req.method)) {
    throw new RelayError(405, "method_not_allowed", `method ${c.req.method} is not allowed here`, {
      headers: { allow: adapter.methods.join(", ") },
    });
  }
  c.set("adapter", adapter);
  c.set("account", account);
  await next();
});

webhooks.all("/:provider/:account?", async (c) => {
  const started = Date.now();
  const adapter = c.get("adapter");
  const account = c.get("account");
  const provider = adapter.name;
  const note = (fields: Record<string, unknown>) => Object.assign(c.get("logFields"), fields);
  // The body is read once, with its own size check: a declared length over the limit is refused unread.
  const request = c.req.raw;
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  const bytes = hasBody ? await readBodyCapped(request, MAX_BODY_BYTES) : undefined;
  if (hasBody && bytes === undefined) {
    throw new RelayError(413, "payload_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`);
  }

  const resolved = resolveCredentials(c.env, adapter, account);
  let credentials = resolved.ok ? resolved.credentials : undefined;
  if (!resolved.ok) {
    const who = `${provider}${account ? ` account ${account}` : ""}`;
    const missing = `${who} is not configured: ${resolved.missing.join(", ")} not set`;
    note({ outcome: "unconfigured", reason: missing });
    // The base route, or an account with credentials of its own: nothing to probe, so the answer says what is missing.
    if (account === undefined || isKnownAccount(c.env, adapter, account))
      throw new RelayError(503, "provider_not_configured", missing);
    // An account with no credentials at all is checked against throwaway ones, and so answered exactly as a
    // configured account answers a forged callback: account names cannot be probed. Only the log names the secret.
    credentials = throwawayCredentials(c.env, adapter, account);
  }

  const inbound = readInbound(request, c.get("url"), bytes);
  if (typeof inbound === "string") throw new RelayError(400, "invalid_callback", inbound);

  const settings = settingsOf(c.env);
  const verification = await adapter.verify(inbound, credentials, {
    now: started,
    replayWindowSeconds: settings.replayWindowSeconds,
  });
  if (!verification.ok)
    throw new RelayError(verification.status, REJECTION_CODE[verification.status], verification.reason);

  // Which credential matched (the current one or `_PREVIOUS` during a rotation), for the log line.
  const { credential } = verification;
  note({ credential });
  const handshake = adapter.handshake(verification.value);
  if (handshake !== null) {
    note({ outcome: "handshake" });
    return answer(handshake);
  }

  const source = `/webhooks/${provider}${account ? `/${account}` : ""}`;
  const drafts = await adapter.normalize(verification.value, started);
  // A body's own nesting is checked on arrival; this catches what was inside base64 or encrypted data.
  if (drafts.some((draft) => valueNestsDeeperThan(draft.data.raw, MAX_JSON_DEPTH))) {
    throw new RelayError(
      400,
      "invalid_callback",
      `the callback's data nests JSON deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  const events = drafts.map((draft) => toCloudEvent(draft, provider, source));
  // One log line of bounded size: a callback with thousands of items names its first 100 and counts them all.
  const listed = events.slice(0, LOGGED_EVENTS);
  const ids = listed.map((event) => event.id);
  if (events.length > LOGGED_EVENTS) note({ events: events.length });
  if (events.length > 0) {
    try {
      const dedupUntil = adapter.replayableUntil?.(verification.value);
      await enqueueEvents(c.env.EVENTS_QUEUE, c.env.RELAY_STATE, events, started, dedupUntil);
    } catch (error) {
      note({ outcome: "enqueue-failed", ids, reason: errorMessage(error) });
      throw new RelayError(503, "queue_unavailable", "the event could not be queued; retry later");
    }
  }
  note({ outcome: "queued", ids, types: listed.map((event) => event.type) });
  return answer(adapter.success(verification.value));
});

/**
 * The account a refusal is counted under: every account without credentials shares one, so a flood
 * to made-up account names adds no rows.
 */
function countedAccount(env: Env, provider: string, account: string): string {
  const adapter = providerByName(provider);
  if (account === "" || (adapter !== undefined && isKnownAccount(env, adapter, account))) return account;
  return UNCONFIGURED_ACCOUNT;
}

function waitUntilOf(c: Context<IngestEnv>): ((promise: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return undefined; // no execution context (a direct call in a unit test)
  }
}

function answer({ status, body, contentType }: PlatformAnswer): Response {
  return new Response(body, { status, headers: { "content-type": contentType } });
}

/** The request as adapters see it; a string is the 400 message for a body that is not UTF-8 or nests too deep. */
function readInbound(request: Request, url: URL, bytes: Uint8Array | undefined): InboundRequest | string {
  let body = "";
  if (bytes !== undefined) {
    const decoded = decodeUtf8(bytes);
    if (decoded === null) return "request body is not valid UTF-8";
    if (nestsDeeperThan(decoded, MAX_JSON_DEPTH)) return `request body nests JSON deeper than ${MAX_JSON_DEPTH} levels`;
    body = decoded;
  }
  return {
    method: request.method,
    url,
    rawQuery: url.search.startsWith("?") ? url.search.slice(1) : url.search,
    headers: request.headers,
    body,
    clientIp: request.headers.get("cf-connecting-ip") ?? undefined,
  };
}
