import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ACCOUNT_PATTERN, resolveCredentials } from "../config/credentials";
import type { Env } from "../env";
import { errorResponse, RelayError } from "../errors";
import { toCloudEvent } from "../events";
import { decodeUtf8 } from "../lib/bytes";
import { log } from "../log";
import { type AnyProviderAdapter, providerByName } from "../providers/registry";
import type { InboundRequest, PlatformAnswer } from "../providers/types";
import { enqueueEvents } from "../queue/enqueue";
import { SPILL_CHECK_FROM_BYTES, spillOversized } from "../queue/spill";
import { settingsOf } from "../settings";

export const MAX_BODY_BYTES = 256 * 1024;

type IngestEnv = { Bindings: Env; Variables: { adapter: AnyProviderAdapter; account: string | undefined } };

/**
 * `/webhooks/<provider>[/<account>]`: route → body limit → credentials → verify →
 * handshake or normalize → enqueue → the platform's exact answer. The response
 * waits for the enqueue and for nothing else.
 */
export const webhooks = new Hono<IngestEnv>();

// Rejections thrown before the handler (404, 405, 413) get their log line here.
webhooks.use("*", async (c, next) => {
  const started = Date.now();
  await next();
  if (c.error instanceof RelayError) {
    const { pathname } = new URL(c.req.url);
    log("ingest", {
      path: pathname,
      method: c.req.method,
      outcome: "rejected",
      status: c.error.status,
      reason: c.error.message,
      durationMs: Date.now() - started,
    });
  }
});

webhooks.use("/:provider/:account?", async (c, next) => {
  const adapter = providerByName(c.req.param("provider"));
  const account = c.req.param("account");
  if (adapter === undefined || (account !== undefined && !ACCOUNT_PATTERN.test(account))) {
    throw new RelayError(404, "not found");
  }
  if (!(adapter.methods as readonly string[]).includes(c.req.method)) {
    throw new RelayError(405, `method ${c.req.method} is not allowed here`, { allow: adapter.methods.join(", ") });
  }
  c.set("adapter", adapter);
  c.set("account", account);
  await next();
});

webhooks.use(
  "/:provider/:account?",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new RelayError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`);
    },
  }),
);

webhooks.all("/:provider/:account?", async (c) => {
  const started = Date.now();
  const adapter = c.get("adapter");
  const account = c.get("account");
  const provider = adapter.name;
  const done = (outcome: string, status: number, extra: Record<string, unknown> = {}) =>
    log("ingest", { provider, account, outcome, status, durationMs: Date.now() - started, ...extra });

  const resolved = resolveCredentials(c.env, adapter, account);
  if (!resolved.ok) {
    const reason = `${provider}${account ? ` account ${account}` : ""} is not configured: ${resolved.missing.join(", ")} not set`;
    done("unconfigured", 503, { reason });
    return errorResponse(503, reason);
  }

  const inbound = await readInbound(c.req.raw);
  if (typeof inbound === "string") {
    done("rejected", 400, { reason: inbound });
    return errorResponse(400, inbound);
  }

  const settings = settingsOf(c.env);
  const verification = await adapter.verify(inbound, resolved.credentials, {
    now: started,
    replayWindowSeconds: settings.replayWindowSeconds,
  });
  if (!verification.ok) {
    done("rejected", verification.status, { reason: verification.reason });
    return errorResponse(verification.status, verification.reason);
  }

  const { credential } = verification;
  const handshake = adapter.handshake(verification.value);
  if (handshake !== null) {
    done("handshake", handshake.status, { credential });
    return answer(handshake);
  }

  const source = `/webhooks/${provider}${account ? `/${account}` : ""}`;
  const drafts = await adapter.normalize(verification.value, started);
  const events = drafts.map((draft) => toCloudEvent(draft, provider, source));
  const ids = events.map((event) => event.id);
  if (events.length > 0) {
    try {
      // Only bodies that may hold an event over the queue's 128 KB limit are measured (and, if so, spilled
      // to KV) here; a UTF-16 unit is at most 3 bytes of UTF-8, so smaller bodies skip it for free.
      const queueable =
        inbound.body.length * 3 < SPILL_CHECK_FROM_BYTES ? events : await spillOversized(c.env.RELAY_STATE, events);
      await enqueueEvents(c.env.EVENTS_QUEUE, queueable, started);
    } catch (error) {
      done("enqueue-failed", 503, { ids, credential, reason: (error as Error).message });
      return errorResponse(503, "the event could not be queued; retry later");
    }
  }
  const success = adapter.success(verification.value);
  done("queued", success.status, { ids, types: events.map((event) => event.type), credential });
  return answer(success);
});

function answer({ status, body, contentType }: PlatformAnswer): Response {
  return new Response(body, { status, headers: { "content-type": contentType } });
}

/** The request as adapters see it; a string is the 400 message for a body that is not UTF-8. */
async function readInbound(request: Request): Promise<InboundRequest | string> {
  const url = new URL(request.url);
  let body = "";
  if (request.method !== "GET" && request.method !== "HEAD") {
    const bytes = new Uint8Array(await request.arrayBuffer());
    const decoded = decodeUtf8(bytes);
    if (decoded === null) return "request body is not valid UTF-8";
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
