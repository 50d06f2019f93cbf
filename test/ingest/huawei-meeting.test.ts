import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { TEST_BINDINGS } from "../support/bindings";
import {
  HUAWEI_APP_ID,
  HUAWEI_ATTENDEE,
  HUAWEI_NONCE,
  huaweiBody,
  huaweiEventInfo,
  huaweiRequest,
} from "../support/huawei-meeting";
import { callWorker } from "../support/worker";

const STARTED = huaweiEventInfo("meeting.started");
const JSON_TYPE = "application/json; charset=utf-8";

function post(body: string, path = "/webhooks/huawei-meeting") {
  return new Request(`http://relay.test${path}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
  });
}

describe("POST /webhooks/huawei-meeting", () => {
  it("queues a signed event and echoes its event and nonce", async () => {
    const { response, enqueued } = await callWorker(await huaweiRequest(STARTED));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(JSON_TYPE);
    expect(await response.text()).toBe(`{"event":"meeting.started","nonce":"${HUAWEI_NONCE}"}`);
    expect(enqueued).toEqual([
      {
        specversion: "1.0",
        id: `huawei-meeting:${HUAWEI_APP_ID}:${await sha256Hex(JSON.stringify(STARTED))}`,
        source: "/webhooks/huawei-meeting",
        type: "meeting.started",
        subject: "989156085",
        time: "2025-11-21T12:00:00Z",
        datacontenttype: "application/json",
        provider: "huawei-meeting",
        providerevent: "meeting.started",
        data: { meeting: { id: "989156085", uuid: "a1b2c3d4e5f60718293a4b5c6d7e8f90" }, raw: STARTED },
      },
    ]);
  });

  it("answers the meeting.verify handshake with the request's nonce and forwards nothing", async () => {
    const request = await huaweiRequest(huaweiEventInfo("meeting.verify"), { nonce: "7c0a1d6c-handshake" });
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(JSON_TYPE);
    expect(await response.text()).toBe('{"event":"meeting.verify","nonce":"7c0a1d6c-handshake"}');
    expect(enqueued).toEqual([]);
  });

  it("keeps Chinese text intact end to end, verified against the pretty-printed eventInfo as sent", async () => {
    const eventInfo = huaweiEventInfo("meeting.join", { attendeeInfo: HUAWEI_ATTENDEE });
    const eventInfoText = JSON.stringify(eventInfo, null, 2);
    const { response, enqueued } = await callWorker(await huaweiRequest(undefined, { eventInfoText }));
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toMatchObject({
      id: `huawei-meeting:${HUAWEI_APP_ID}:${await sha256Hex(JSON.stringify(eventInfo))}`,
      type: "participant.joined",
      data: { participant: { name: "张三（研发部）" }, raw: eventInfo },
    });
  });

  it("forwards an unknown event as huawei-meeting/<event>", async () => {
    const { response, enqueued } = await callWorker(await huaweiRequest(huaweiEventInfo("meeting.recordStart")));
    expect(await response.text()).toBe(`{"event":"meeting.recordStart","nonce":"${HUAWEI_NONCE}"}`);
    expect(enqueued.map((event) => event.type)).toEqual(["huawei-meeting/meeting.recordStart"]);
  });

  it("gives a retry (new nonce and timestamp, same eventInfo) the same id", async () => {
    const first = await callWorker(await huaweiRequest(STARTED));
    const retry = await callWorker(await huaweiRequest(STARTED, { nonce: "retry", timestamp: Date.now() + 1000 }));
    expect(retry.enqueued[0]?.id).toBe(first.enqueued[0]?.id);
  });

  it("queues re-serialized copies of one compact-signed push (spaces, \\u0065 escapes) under one id", async () => {
    const signedText = JSON.stringify(STARTED);
    const copies = [
      signedText,
      JSON.stringify(STARTED, null, 2),
      signedText.replace('"meeting.started"', '"m\\u0065eting.started"'),
    ];
    const ids = [];
    for (const eventInfoText of copies) {
      const { response, enqueued } = await callWorker(await huaweiRequest(undefined, { eventInfoText, signedText }));
      expect(response.status).toBe(200);
      expect(enqueued.map((event) => event.data.raw)).toEqual([STARTED]);
      ids.push(enqueued[0]?.id);
    }
    expect(ids).toEqual(Array(3).fill(`huawei-meeting:${HUAWEI_APP_ID}:${await sha256Hex(signedText)}`));
  });

  it.each([
    ["another key's signature", { appKey: "another-key" }, 401, "signature mismatch"],
    ["a malformed signature", { signature: "abc" }, 401, "signature is not a SHA-256 hex digest"],
    ["another appID", { appId: "hw-subscriber-9999" }, 401, "appID does not match HUAWEI_MEETING_APP_ID"],
    ["a stale timestamp", { timestamp: Date.now() - 86_500_000 }, 401, "timestamp is outside the replay window"],
    ["no nonce", { omit: ["nonce"] }, 400, "body has no nonce string"],
    ["no eventInfo", { omit: ["eventInfo"] }, 400, "body has no eventInfo"],
  ])("rejects %s with %i and queues nothing", async (_, options, status, error) => {
    const { response, enqueued } = await callWorker(await huaweiRequest(STARTED, options));
    expect(response.status).toBe(status);
    const code = status === 400 ? "invalid_callback" : "signature_invalid";
    expect(await response.json()).toEqual({ error, code });
    expect(enqueued).toEqual([]);
  });

  it("rejects a meeting.verify handshake with a bad signature", async () => {
    const request = await huaweiRequest(huaweiEventInfo("meeting.verify"), { appKey: "another-key" });
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "signature mismatch", code: "signature_invalid" });
    expect(enqueued).toEqual([]);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const { response, enqueued } = await callWorker(post('{"appID":'));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "body is not a JSON object", code: "invalid_callback" });
    expect(enqueued).toEqual([]);
  });

  it("answers 405 to GET", async () => {
    const { response, enqueued } = await callWorker(new Request("http://relay.test/webhooks/huawei-meeting"));
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(enqueued).toEqual([]);
  });

  it("answers 503 naming the missing secret", async () => {
    const { response, enqueued } = await callWorker(await huaweiRequest(STARTED), {
      HUAWEI_MEETING_APP_KEY: undefined,
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "huawei-meeting is not configured: HUAWEI_MEETING_APP_KEY not set",
      code: "provider_not_configured",
    });
    expect(enqueued).toEqual([]);
  });

  it("answers 503 when the event cannot be queued, so Huawei retries", async () => {
    const { response } = await callWorker(await huaweiRequest(STARTED), {}, { queueFailure: new Error("queue down") });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "the event could not be queued; retry later",
      code: "queue_unavailable",
    });
  });
});

describe("POST /webhooks/huawei-meeting/<account>", () => {
  const acme = { appId: TEST_BINDINGS.HUAWEI_MEETING_APP_ID_ACME, appKey: TEST_BINDINGS.HUAWEI_MEETING_APP_KEY_ACME };
  const path = "/webhooks/huawei-meeting/acme";

  it("verifies with the account's subscriber ID and key and says so in source and id", async () => {
    const { response, enqueued } = await callWorker(await huaweiRequest(STARTED, { ...acme, path }));
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toMatchObject({
      source: "/webhooks/huawei-meeting/acme",
      id: `huawei-meeting:${acme.appId}:${await sha256Hex(JSON.stringify(STARTED))}`,
    });
  });

  it("rejects the default subscriber's push on the account route", async () => {
    const { response, enqueued } = await callWorker(await huaweiRequest(STARTED, { path }));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "signature mismatch", code: "signature_invalid" });
    expect(enqueued).toEqual([]);
  });

  it("names a subscriber ID that differs from the account's only once the push verifies with its key, by the account's var", async () => {
    const { response, enqueued } = await callWorker(
      await huaweiRequest(STARTED, { path, appId: "hw-subscriber-9999", appKey: acme.appKey }),
    );
    expect(response.status).toBe(401);
    // The account's own var is the one to fix: the base one is another subscriber's.
    expect(await response.json()).toEqual({
      error: "appID does not match HUAWEI_MEETING_APP_ID_ACME",
      code: "signature_invalid",
    });
    expect(enqueued).toEqual([]);
  });

  it("answers an account without any credentials like a forged push, not with a 503 that names it", async () => {
    const body = await huaweiBody(STARTED);
    const { response, enqueued } = await callWorker(post(body, "/webhooks/huawei-meeting/beta"));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "signature mismatch", code: "signature_invalid" });
    expect(enqueued).toEqual([]);
  });

  it("answers 503 naming what is missing for an account with part of its credentials", async () => {
    const body = await huaweiBody(STARTED);
    const { response, enqueued } = await callWorker(post(body, "/webhooks/huawei-meeting/beta"), {
      HUAWEI_MEETING_APP_KEY_BETA: "hw-subscriber-key-beta",
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "huawei-meeting account beta is not configured: HUAWEI_MEETING_APP_ID_BETA not set",
      code: "provider_not_configured",
    });
    expect(enqueued).toEqual([]);
  });
});
