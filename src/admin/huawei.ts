import { Hono } from "hono/tiny";
import * as v from "valibot";
import { ACCOUNT_PATTERN, resolveCredentials } from "../config/account-credentials";
import { errorResponse, RelayError, SettingsError } from "../core/errors";
import { settingsOf } from "../core/settings";
import { VERSION } from "../core/version";
import { parseJson } from "../lib/json";
import { readCapped } from "../lib/read-capped";
import { huaweiMeeting } from "../providers/huawei-meeting";
import {
  apiBaseProblem,
  describeLinkConfigAnswer,
  describeLinkConfigFailure,
  linkConfigRequest,
  MAX_ANSWER_BYTES,
} from "./huawei-link-config";
import { onlyParams, requestText } from "./params";
import type { AdminEnv } from "./request-log";

/** How long to wait for Huawei before answering 502. */
const HUAWEI_TIMEOUT_MS = 10_000;
/** An access token and three short fields: a few KiB at most. */
export const MAX_LINK_CONFIG_BODY_BYTES = 16 * 1024;

const text = (name: string) =>
  v.pipe(v.string(`${name} must be a string`), v.trim(), v.nonEmpty(`${name} must not be empty`));

/** The body of `POST /admin/huawei/link-config` (also the source of its OpenAPI schema). */
export const LinkConfigBody = v.strictObject(
  {
    // Sent as a header: visible ASCII only, so a pasted line break or a stray character is a 400, not a
    // header that cannot be built (empty is left to the "must not be empty" check).
    accessToken: v.pipe(
      text("accessToken"),
      v.regex(
        /^[\x21-\x7e]*$/,
        "accessToken must be the token as Huawei issued it: visible ASCII, no spaces or line breaks",
      ),
    ),
    corpId: v.optional(text("corpId")),
    spId: v.optional(text("spId")),
    url: v.optional(text("url")),
  },
  (issue) =>
    issue.expected === "never"
      ? `unknown field ${issue.received} (allowed: accessToken, corpId, spId, url)`
      : issue.expected === '"accessToken"'
        ? "accessToken is required (from Huawei's App ID authentication)"
        : 'the body must be a JSON object such as {"accessToken": "…", "corpId": "…"}',
);

/** `/admin/huawei`: registering this relay with Huawei Cloud Meeting. */
export const huawei = new Hono<AdminEnv>();

/**
 * Calls Huawei's link-config with this relay's subscriber id and key. 200 when
 * Huawei accepted it, 502 when Huawei refused or could not be reached; both
 * bodies carry `huaweiStatus` (null without an answer) and a clear `message`.
 */
huawei.post("/link-config", async (c) => {
  const text = await requestText(c, MAX_LINK_CONFIG_BODY_BYTES);
  onlyParams(c, ["account"]);
  const account = c.req.query("account");
  if (account !== undefined && !ACCOUNT_PATTERN.test(account)) {
    throw new RelayError(400, "invalid_account", "account must be 1 to 32 characters of a-z, 0-9 and _");
  }
  const resolved = resolveCredentials(c.env, huaweiMeeting, account);
  if (!resolved.ok) {
    const missing = resolved.missing.map(
      (name) => (name.startsWith("HUAWEI_MEETING_APP_ID") ? "var " : "secret ") + name,
    );
    throw new RelayError(
      503,
      "provider_not_configured",
      `huawei-meeting is not configured: ${missing.join(" and ")} not set`,
    );
  }
  // Huawei is registered with the current key only; a previous one is just still accepted on callbacks.
  const { appId: subscriberId, appKeys } = resolved.credentials;
  const subscriberKey = appKeys.find((key) => key.slot === "current")?.value ?? "";

  const json = parseJson(text);
  if (!json.ok) throw new RelayError(400, "invalid_json", `request body is not valid JSON: ${json.error}`);
  // valibot takes an array for an object; say what was meant instead of listing its indexes as fields.
  const body = v.safeParse(LinkConfigBody, Array.isArray(json.value) ? null : json.value);
  if (!body.success) throw new RelayError(400, "invalid_body", body.issues.map((issue) => issue.message).join("; "));
  const { accessToken, corpId, spId } = body.output;

  const url =
    body.output.url ?? `https://${new URL(c.req.url).host}/webhooks/huawei-meeting${account ? `/${account}` : ""}`;
  if (!URL.canParse(url) || new URL(url).protocol !== "https:") {
    throw new RelayError(
      400,
      "invalid_body",
      "url must be an absolute https:// URL (Huawei pushes events over HTTPS only)",
    );
  }

  const { huaweiApiBase: apiBase, allowInsecureTargets } = settingsOf(c.env);
  const baseProblem = apiBaseProblem(apiBase, allowInsecureTargets);
  if (baseProblem !== undefined) throw new SettingsError(baseProblem);
  const request = linkConfigRequest(
    { apiBase, accessToken, corpId, spId, subscriberId, subscriberKey, url },
    `meeting-relay/${VERSION}`,
  );
  const logged = { account, subscriberId, url, ...(corpId ? { corpId } : {}), ...(spId ? { spId } : {}) };

  let response: Response;
  try {
    response = await fetch(request, { signal: AbortSignal.timeout(HUAWEI_TIMEOUT_MS) });
  } catch (error) {
    const message = describeLinkConfigFailure(error, apiBase, HUAWEI_TIMEOUT_MS);
    c.set("logFields", { ...logged, huaweiStatus: null, reason: message });
    return errorResponse(502, "huawei_upstream_error", message, { fields: { huaweiStatus: null, message, url } });
  }
  // Success needs no body; an error body is read for Huawei's error code, up to a limit. A body that
  // fails part way (a dropped connection, the time running out) leaves the status to speak for itself.
  let bodyText: string | undefined = "";
  if (response.status >= 200 && response.status < 300) await response.body?.cancel().catch(() => {});
  else bodyText = await readCapped(response.body, MAX_ANSWER_BYTES).catch(() => "");
  const outcome = describeLinkConfigAnswer(response.status, bodyText, [accessToken, subscriberKey]);
  c.set("logFields", { ...logged, huaweiStatus: response.status, huaweiErrorCode: outcome.errorCode });
  if (outcome.ok) {
    const message = `${outcome.message}: events for subscriber ${subscriberId} will be pushed to ${url}`;
    return c.json({ huaweiStatus: response.status, message, url }, 200);
  }
  const fields = { huaweiStatus: response.status, message: outcome.message, url };
  return errorResponse(502, "huawei_upstream_error", outcome.message, { fields });
});
