import { describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../support/bindings";
import { callWorker } from "../support/worker";
import { CALL_ID, CONFERENCE_ID, yunhuniNotification, yunhuniRequest } from "../support/yunhuni";

const JOINED = yunhuniNotification("conf.joined", { part_uri: "13800000000", user_data: "客户：李四" });

describe("POST /webhooks/yunhuni", () => {
  it('queues a notification with the right token and answers 200 {"ok":true}', async () => {
    const { response, enqueued } = await callWorker(yunhuniRequest(JOINED));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await response.text()).toBe('{"ok":true}');
    expect(enqueued).toEqual([
      {
        specversion: "1.0",
        id: expect.stringMatching(/^yunhuni:[0-9a-f]{64}$/),
        source: "/webhooks/yunhuni",
        type: "participant.joined",
        subject: CONFERENCE_ID,
        time: "2025-11-21T12:01:00Z",
        datacontenttype: "application/json",
        provider: "yunhuni",
        providerevent: "conf.joined",
        data: {
          meeting: { id: CONFERENCE_ID },
          participant: { id: CALL_ID, phone: "13800000000", uri: "13800000000", joined: "2025-11-21T12:01:00Z" },
          raw: JOINED,
        },
      },
    ]);
  });

  it("gives the sender's identical retry the same id, and another event another id", async () => {
    const first = await callWorker(yunhuniRequest(JOINED));
    const retry = await callWorker(yunhuniRequest(JOINED));
    const quit = await callWorker(yunhuniRequest(yunhuniNotification("conf.quit")));
    expect(retry.enqueued[0]?.id).toBe(first.enqueued[0]?.id);
    expect(quit.enqueued[0]?.id).not.toBe(first.enqueued[0]?.id);
  });

  it("forwards an unknown event as yunhuni/<event>", async () => {
    const { response, enqueued } = await callWorker(yunhuniRequest(yunhuniNotification("conf.dtmf")));
    expect(response.status).toBe(200);
    expect(enqueued.map((event) => event.type)).toEqual(["yunhuni/conf.dtmf"]);
  });

  it.each([
    ["no token", { token: null }, "missing token query parameter"],
    ["a wrong token", { token: "yunhuni-token-fake-0002" }, "token mismatch"],
    ["another account's token", { token: TEST_BINDINGS.YUNHUNI_TOKEN_ACME }, "token mismatch"],
  ] as const)("rejects %s with 401 and queues nothing", async (_, options, error) => {
    const { response, enqueued } = await callWorker(yunhuniRequest(JOINED, options));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error, code: "signature_invalid" });
    expect(enqueued).toEqual([]);
  });

  it.each([
    ["bad JSON", { body: "{event" }, "body is not a JSON object"],
    ["no conference id", { body: JSON.stringify({ ...JOINED, id: undefined }) }, "body has no conference id string"],
  ])("answers 400 for %s and queues nothing", async (_, options, error) => {
    const { response, enqueued } = await callWorker(yunhuniRequest(JOINED, options));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error, code: "invalid_callback" });
    expect(enqueued).toEqual([]);
  });

  describe("with YUNHUNI_ALLOWED_IPS", () => {
    const allowList = { YUNHUNI_ALLOWED_IPS: "198.51.100.7, 203.0.113.0/24" };

    it("accepts a listed CF-Connecting-IP", async () => {
      const { response, enqueued } = await callWorker(yunhuniRequest(JOINED, { clientIp: "203.0.113.9" }), allowList);
      expect(response.status).toBe(200);
      expect(enqueued).toHaveLength(1);
    });

    it.each([
      ["an unlisted IP", "192.0.2.1"],
      ["no CF-Connecting-IP", undefined],
    ])("answers 403 for %s and queues nothing", async (_, clientIp) => {
      const request = yunhuniRequest(JOINED, clientIp === undefined ? {} : { clientIp });
      const { response, enqueued } = await callWorker(request, allowList);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        error: "client IP is not in YUNHUNI_ALLOWED_IPS",
        code: "ip_not_allowed",
      });
      expect(enqueued).toEqual([]);
    });
  });

  it("answers 503 naming the missing secret", async () => {
    const { response, enqueued } = await callWorker(yunhuniRequest(JOINED), { YUNHUNI_TOKEN: undefined });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "yunhuni is not configured: YUNHUNI_TOKEN not set",
      code: "provider_not_configured",
    });
    expect(enqueued).toEqual([]);
  });
});

describe("POST /webhooks/yunhuni/<account>", () => {
  const path = "/webhooks/yunhuni/acme";
  const token = TEST_BINDINGS.YUNHUNI_TOKEN_ACME;

  it("accepts the account's token and says so in source", async () => {
    const { response, enqueued } = await callWorker(yunhuniRequest(JOINED, { path, token }));
    expect(response.status).toBe(200);
    expect(enqueued.map((event) => event.source)).toEqual(["/webhooks/yunhuni/acme"]);
  });

  it("rejects the default token on the account route", async () => {
    const { response, enqueued } = await callWorker(yunhuniRequest(JOINED, { path }));
    expect(response.status).toBe(401);
    expect(enqueued).toEqual([]);
  });

  it("applies the account's own allow-list, not the default one", async () => {
    const overrides = { YUNHUNI_ALLOWED_IPS_ACME: "198.51.100.7", YUNHUNI_ALLOWED_IPS: "192.0.2.1" };
    const blocked = await callWorker(yunhuniRequest(JOINED, { path, token, clientIp: "192.0.2.1" }), overrides);
    expect(blocked.response.status).toBe(403);
    expect(blocked.enqueued).toEqual([]);
    const allowed = await callWorker(yunhuniRequest(JOINED, { path, token, clientIp: "198.51.100.7" }), overrides);
    expect(allowed.response.status).toBe(200);
    expect(allowed.enqueued).toHaveLength(1);
  });

  it("names the account's own allow-list when it refuses", async () => {
    const overrides = { YUNHUNI_ALLOWED_IPS_ACME: "198.51.100.7" };
    const { response, enqueued } = await callWorker(
      yunhuniRequest(JOINED, { path, token, clientIp: "192.0.2.1" }),
      overrides,
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: "client IP is not in YUNHUNI_ALLOWED_IPS_ACME",
      code: "ip_not_allowed",
    });
    expect(enqueued).toEqual([]);
  });

  it("falls back to the base YUNHUNI_ALLOWED_IPS when the account has none, and names it", async () => {
    const overrides = { YUNHUNI_ALLOWED_IPS: "198.51.100.7" };
    const blocked = await callWorker(yunhuniRequest(JOINED, { path, token, clientIp: "192.0.2.1" }), overrides);
    expect(blocked.response.status).toBe(403);
    expect(await blocked.response.json()).toEqual({
      error: "client IP is not in YUNHUNI_ALLOWED_IPS",
      code: "ip_not_allowed",
    });
    expect(blocked.enqueued).toEqual([]);
    const allowed = await callWorker(yunhuniRequest(JOINED, { path, token, clientIp: "198.51.100.7" }), overrides);
    expect(allowed.response.status).toBe(200);
    expect(allowed.enqueued).toHaveLength(1);
  });

  it("falls back to the base list when the account's own is blank", async () => {
    const overrides = { YUNHUNI_ALLOWED_IPS: "198.51.100.7", YUNHUNI_ALLOWED_IPS_ACME: " " };
    const { response, enqueued } = await callWorker(
      yunhuniRequest(JOINED, { path, token, clientIp: "192.0.2.1" }),
      overrides,
    );
    expect(response.status).toBe(403);
    expect(enqueued).toEqual([]);
  });
});
