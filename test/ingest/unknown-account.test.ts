import { afterEach, describe, expect, it, vi } from "vitest";
import { TEST_BINDINGS } from "../support/bindings";
import { huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { loggedLines } from "../support/log";
import type { VarOverrides } from "../support/queue";
import { base64Json, SEED_DATA, tencentCheckRequest, tencentEventRequest } from "../support/tencent-meeting";
import { whiteboardEvent, whiteboardRequest } from "../support/tencent-whiteboard";
import { callWorker } from "../support/worker";
import { yunhuniNotification, yunhuniRequest } from "../support/yunhuni";

/**
 * An account with no credentials at all is answered exactly as a configured account (acme) answers
 * a callback that fails verification, so account names cannot be probed; the log names the secret.
 */

/** The same callback, sent to one account's route. */
type Callback = (path: string) => Promise<Request> | Request;

/** What a caller sees: status, content type and exact body; and what was queued and logged. */
async function answerTo(request: Request, overrides: VarOverrides = {}) {
  const { result, lines } = await loggedLines(() => callWorker(request, overrides, { passThrough: false }));
  const { response, enqueued } = result;
  return {
    seen: { status: response.status, contentType: response.headers.get("content-type"), body: await response.text() },
    enqueued,
    line: lines.find((line) => line.kind === "ingest"),
  };
}

afterEach(() => vi.restoreAllMocks());

const WRONG_SHA1 = "0".repeat(40);
const WRONG_SHA256 = "0".repeat(64);
const cases: [string, string, Callback, string, VarOverrides?][] = [
  [
    "tencent-meeting: event with a wrong signature",
    "tencent-meeting",
    (path) => tencentEventRequest(SEED_DATA, { path, signature: WRONG_SHA1 }),
    "TENCENT_MEETING_TOKEN_NOBODY",
  ],
  [
    "tencent-meeting: event signed with the base token",
    "tencent-meeting",
    (path) => tencentEventRequest(SEED_DATA, { path }),
    "TENCENT_MEETING_TOKEN_NOBODY",
  ],
  [
    "tencent-meeting: GET check_str with a wrong signature",
    "tencent-meeting",
    (path) => tencentCheckRequest(base64Json({ probe: 1 }), { path, signature: WRONG_SHA1 }),
    "TENCENT_MEETING_TOKEN_NOBODY",
  ],
  [
    "tencent-meeting: GET check_str signed with the base token",
    "tencent-meeting",
    (path) => tencentCheckRequest("aGVsbG8", { path }),
    "TENCENT_MEETING_TOKEN_NOBODY",
  ],
  [
    "tencent-meeting: missing signature header",
    "tencent-meeting",
    (path) => tencentEventRequest(SEED_DATA, { path, omit: ["signature"] }),
    "TENCENT_MEETING_TOKEN_NOBODY",
  ],
  [
    "huawei-meeting: event with a wrong signature and acme's appID",
    "huawei-meeting",
    (path) =>
      huaweiRequest(huaweiEventInfo("meeting.started"), {
        path,
        appId: TEST_BINDINGS.HUAWEI_MEETING_APP_ID_ACME,
        signature: WRONG_SHA256,
      }),
    "HUAWEI_MEETING_APP_ID_NOBODY",
  ],
  [
    "huawei-meeting: event signed with the base subscriber",
    "huawei-meeting",
    (path) => huaweiRequest(huaweiEventInfo("meeting.started"), { path }),
    "HUAWEI_MEETING_APP_KEY_NOBODY",
  ],
  [
    "huawei-meeting: meeting.verify handshake with a wrong signature",
    "huawei-meeting",
    (path) =>
      huaweiRequest(huaweiEventInfo("meeting.verify"), {
        path,
        appId: TEST_BINDINGS.HUAWEI_MEETING_APP_ID_ACME,
        signature: WRONG_SHA256,
      }),
    "HUAWEI_MEETING_APP_KEY_NOBODY",
  ],
  [
    "huawei-meeting: meeting.verify handshake from another subscriber",
    "huawei-meeting",
    (path) => huaweiRequest(huaweiEventInfo("meeting.verify"), { path, appId: "someone-else", appKey: "another-key" }),
    "HUAWEI_MEETING_APP_KEY_NOBODY",
  ],
  [
    "yunhuni: wrong token",
    "yunhuni",
    (path) => yunhuniRequest(yunhuniNotification("conf.end"), { path, token: "guessed-token" }),
    "YUNHUNI_TOKEN_NOBODY",
  ],
  [
    "yunhuni: no token",
    "yunhuni",
    (path) => yunhuniRequest(yunhuniNotification("conf.end"), { path, token: null }),
    "YUNHUNI_TOKEN_NOBODY",
  ],
  [
    "yunhuni: an address outside the base allow-list, which every account without its own list uses",
    "yunhuni",
    (path) => yunhuniRequest(yunhuniNotification("conf.end"), { path, clientIp: "203.0.113.9" }),
    "YUNHUNI_TOKEN_NOBODY",
    { YUNHUNI_ALLOWED_IPS: "192.0.2.1" },
  ],
  [
    "yunhuni: a guessed token from an address outside acme's own allow-list",
    "yunhuni",
    (path) =>
      yunhuniRequest(yunhuniNotification("conf.end"), { path, token: "guessed-token", clientIp: "203.0.113.9" }),
    "YUNHUNI_TOKEN_NOBODY",
    { YUNHUNI_ALLOWED_IPS_ACME: "198.51.100.7" },
  ],
  [
    "tencent-whiteboard: wrong Sign",
    "tencent-whiteboard",
    (path) => whiteboardRequest(whiteboardEvent("TranscodeFinished", { TaskId: "t1" }), { path, sign: "0".repeat(32) }),
    "TIW_CALLBACK_KEY_NOBODY",
  ],
  [
    "tencent-whiteboard: signed with the base key",
    "tencent-whiteboard",
    (path) => whiteboardRequest(whiteboardEvent("TranscodeFinished", { TaskId: "t1" }), { path }),
    "TIW_CALLBACK_KEY_NOBODY",
  ],
];

describe("a callback to an account without credentials is answered like a failed verification", () => {
  it.each(cases)("%s", async (_, provider, callback, secret, overrides = {}) => {
    const configured = await answerTo(await callback(`/webhooks/${provider}/acme`), overrides);
    const unknown = await answerTo(await callback(`/webhooks/${provider}/nobody`), overrides);

    expect(configured.seen.status).toBeGreaterThanOrEqual(400);
    expect(configured.seen.status).toBeLessThan(500);
    expect(unknown.seen).toEqual(configured.seen);
    expect(unknown.enqueued).toEqual([]);
    expect(configured.enqueued).toEqual([]);
    // Only the operator's log says why, naming the secret to set.
    expect(unknown.line).toMatchObject({ provider, account: "nobody", outcome: "unconfigured" });
    expect(unknown.line?.reason).toContain(secret);
    expect(unknown.seen.body).not.toContain("NOBODY");
  });

  it("keeps the 503 naming what is missing for a known account that lacks part of its credentials", async () => {
    const { seen, enqueued } = await answerTo(
      await huaweiRequest(huaweiEventInfo("meeting.started"), { path: "/webhooks/huawei-meeting/beta" }),
      { HUAWEI_MEETING_APP_ID_BETA: "hw-subscriber-beta" },
    );
    expect(seen).toEqual({
      status: 503,
      contentType: "application/json",
      body: JSON.stringify({
        error: "huawei-meeting account beta is not configured: HUAWEI_MEETING_APP_KEY_BETA not set",
        code: "provider_not_configured",
      }),
    });
    expect(enqueued).toEqual([]);
  });

  it("keeps the 503 on the base route of a platform that is not configured", async () => {
    const { seen, enqueued } = await answerTo(await tencentEventRequest(SEED_DATA), {
      TENCENT_MEETING_TOKEN: undefined,
    });
    expect(seen.status).toBe(503);
    expect(JSON.parse(seen.body)).toEqual({
      error: "tencent-meeting is not configured: TENCENT_MEETING_TOKEN not set",
      code: "provider_not_configured",
    });
    expect(enqueued).toEqual([]);
  });
});
