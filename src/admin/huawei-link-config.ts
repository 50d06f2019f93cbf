/**
 * Huawei Cloud Meeting's "Configuring Event Push" call (link-config; see
 * docs/admin-api.md, "Register the relay with Huawei Cloud Meeting"): pure request building and answer
 * mapping, no bindings, so both are tested without a network.
 */
import { isLocalHost } from "../lib/local-host";

const LINK_CONFIG_PATH = "/v1/mmc/management/webhook/link-config";

interface LinkConfigInput {
  /** `HUAWEI_MEETING_API_BASE`, e.g. `https://api.meeting.huaweicloud.com`. */
  apiBase: string;
  /** From Huawei's App ID authentication; sent as `X-Access-Token`. */
  accessToken: string;
  corpId?: string | undefined;
  spId?: string | undefined;
  subscriberId: string;
  subscriberKey: string;
  /** The HTTPS URL Huawei will push events to. */
  url: string;
}

export function linkConfigRequest(input: LinkConfigInput, userAgent: string): Request {
  const body = {
    ...(input.corpId === undefined ? {} : { corpId: input.corpId }),
    ...(input.spId === undefined ? {} : { spId: input.spId }),
    subscriberId: input.subscriberId,
    subscriberKey: input.subscriberKey,
    url: input.url,
  };
  return new Request(`${input.apiBase.replace(/\/+$/, "")}${LINK_CONFIG_PATH}`, {
    method: "POST",
    // A redirect is reported, never followed: following it would send the key and token elsewhere.
    redirect: "manual",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      "user-agent": userAgent,
      "X-Access-Token": input.accessToken,
    },
    body: JSON.stringify(body),
  });
}

/**
 * Why `HUAWEI_MEETING_API_BASE` cannot be called, or `undefined` when it can: the call carries the
 * subscriber key and an access token, so https:// only (http:// just for a local stand-in).
 */
export function apiBaseProblem(apiBase: string, allowInsecure: boolean): string | undefined {
  const url = URL.canParse(apiBase) ? new URL(apiBase) : undefined;
  const local = url !== undefined && isLocalHost(url);
  if (url?.protocol === "https:" || (url?.protocol === "http:" && local && allowInsecure)) return undefined;
  return `HUAWEI_MEETING_API_BASE must be an https:// URL (http:// only for localhost or 127.0.0.1 with ALLOW_INSECURE_TARGETS=true), got "${apiBase}"`;
}

/** The most of Huawei's answer that is read; a larger one is reported, not read. */
export const MAX_ANSWER_BYTES = 64 * 1024;

interface LinkConfigOutcome {
  ok: boolean;
  message: string;
  /** Huawei's own error code (`MMC…`, `USG…`), when it sent one. */
  errorCode?: string;
}

/** What each documented status means for the operator, and what to do about it. */
const STATUS_MEANINGS: Record<number, string> = {
  400: "Huawei rejected the parameters (400): check corpId or spId, and that url is a public HTTPS address",
  401: "Huawei did not accept the access token (401): get a fresh accessToken from Huawei's App ID authentication (tokens expire)",
  403: "Huawei refused the registration (403, insufficient permissions): the access token must be an enterprise administrator's, or the SP administrator's when spId is given",
  500: "Huawei had a server error (500); try again later",
};

/**
 * Huawei's answer as a clear message. `secrets` (the access token and the
 * subscriber key) are blanked out of anything Huawei echoes back. `bodyText` is
 * `undefined` when the answer was larger than {@link MAX_ANSWER_BYTES}.
 */
export function describeLinkConfigAnswer(
  status: number,
  bodyText: string | undefined,
  secrets: string[],
): LinkConfigOutcome {
  if (status >= 200 && status < 300) return { ok: true, message: "Huawei accepted the event push configuration" };
  const meaning =
    STATUS_MEANINGS[status] ??
    (status >= 500
      ? `Huawei is unavailable (${status}); try again later`
      : status >= 300 && status < 400
        ? `Huawei answered a redirect (${status}), which the relay does not follow: it would send the access token and subscriber key to another address; check HUAWEI_MEETING_API_BASE`
        : `Huawei answered an unexpected HTTP ${status}; check HUAWEI_MEETING_API_BASE`);
  if (bodyText === undefined) {
    return {
      ok: false,
      message: `${meaning} (its answer is larger than ${MAX_ANSWER_BYTES / 1024} KiB and was not read)`,
    };
  }
  const detail = huaweiError(bodyText, secrets);
  if (detail === undefined) return { ok: false, message: meaning };
  const said = detail.message ? `${detail.code} ${detail.message}` : detail.code;
  return { ok: false, message: `${meaning} (Huawei says: ${said})`, errorCode: detail.code };
}

/** Huawei API errors look like `{"error_code": "USG.000000011", "error_msg": "…"}`. */
function huaweiError(bodyText: string, secrets: string[]): { code: string; message: string } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null) return undefined;
  const fields = body as Record<string, unknown>;
  const code = fields.error_code ?? fields.errorCode;
  if (typeof code !== "string" || code === "") return undefined;
  const message = fields.error_msg ?? fields.errorMsg;
  return {
    code: redact(code, secrets).slice(0, 64),
    message: typeof message === "string" ? redact(message, secrets).slice(0, 300) : "",
  };
}

function redact(text: string, secrets: string[]): string {
  return secrets.filter((secret) => secret !== "").reduce((out, secret) => out.split(secret).join("[redacted]"), text);
}

/** A failed `fetch` (network error or our timeout) as a message. */
export function describeLinkConfigFailure(error: unknown, apiBase: string, timeoutMs: number): string {
  const name = error instanceof Error ? error.name : "";
  if (name === "TimeoutError" || name === "AbortError") {
    return `Huawei did not answer within ${timeoutMs / 1000} s (${apiBase}); try again later`;
  }
  const reason = error instanceof Error ? error.message : String(error);
  return `could not reach Huawei at ${apiBase}: ${reason}; check HUAWEI_MEETING_API_BASE and try again`;
}
