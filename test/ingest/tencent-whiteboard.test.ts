import { describe, expect, it } from "vitest";
import { TEST_BINDINGS } from "../support/bindings";
import { SEED_KEY, SEED_WHITEBOARD_CALLBACK, whiteboardEvent, whiteboardRequest } from "../support/tencent-whiteboard";
import { callWorker } from "../support/worker";

const { ExpireTime: _expireTime, Sign: _sign, ...SEED_EVENT } = SEED_WHITEBOARD_CALLBACK;

describe("POST /webhooks/tencent-whiteboard", () => {
  it('queues the documented progress event (Chinese title intact) and answers {"error_code":0}', async () => {
    const request = await whiteboardRequest(SEED_EVENT);
    const { Sign: signature, ...sent } = (await request.clone().json()) as Record<string, unknown>;
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await response.text()).toBe('{"error_code":0}');
    expect(enqueued).toEqual([
      {
        specversion: "1.0",
        id: expect.stringMatching(/^tencent-whiteboard:1400000001:[0-9a-f]{64}$/),
        source: "/webhooks/tencent-whiteboard",
        type: "whiteboard.transcode.progress",
        subject: "gaqvbm16jr2q4uhm23rb",
        time: "2020-05-21T07:18:42Z",
        datacontenttype: "application/json",
        provider: "tencent-whiteboard",
        providerevent: "PPT2H5ProgressChanged",
        data: {
          task: { id: "gaqvbm16jr2q4uhm23rb", progress: 10, pages: 21, resolution: "960x540", title: "示例.pptx" },
          raw: sent,
        },
      },
    ]);
    // Sign authenticates any body until ExpireTime, so it is never forwarded.
    expect(JSON.stringify(enqueued)).not.toContain(signature as string);
  });

  it("rejects the documented callback as sent: its ExpireTime is long past", async () => {
    const request = new Request("http://relay.test/webhooks/tencent-whiteboard", {
      method: "POST",
      body: JSON.stringify(SEED_WHITEBOARD_CALLBACK),
    });
    const { response, enqueued } = await callWorker(request, { TIW_CALLBACK_KEY: SEED_KEY });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "ExpireTime has passed", code: "signature_invalid" });
    expect(enqueued).toEqual([]);
  });

  it("gives a retry the same id, and the next progress step another", async () => {
    const first = await callWorker(await whiteboardRequest(SEED_EVENT));
    const retry = await callWorker(
      await whiteboardRequest(SEED_EVENT, { expireTime: Math.floor(Date.now() / 1000) + 900 }),
    );
    const next = await callWorker(
      await whiteboardRequest({ ...SEED_EVENT, EventData: { ...SEED_EVENT.EventData, Progress: 20 } }),
    );
    expect(retry.enqueued[0]?.id).toBe(first.enqueued[0]?.id);
    expect(next.enqueued[0]?.id).not.toBe(first.enqueued[0]?.id);
  });

  it("forwards an unknown event as tencent-whiteboard/<EventType>", async () => {
    const event = whiteboardEvent("OfflineRecordProgressChanged", { TaskId: "offline-1", Progress: 50 });
    const { response, enqueued } = await callWorker(await whiteboardRequest(event));
    expect(response.status).toBe(200);
    expect(enqueued.map((e) => [e.type, e.subject])).toEqual([
      ["tencent-whiteboard/OfflineRecordProgressChanged", "offline-1"],
    ]);
  });

  it.each([
    ["another key's Sign", { key: "another-key" }, 401, "Sign mismatch"],
    ["an expired ExpireTime", { expireTime: Math.floor(Date.now() / 1000) - 5 }, 401, "ExpireTime has passed"],
    ["a malformed Sign", { sign: "zz" }, 401, "Sign is not an MD5 hex digest"],
    ["no Sign", { omit: ["Sign"] }, 400, "body has no Sign string"],
    ["no EventData", { omit: ["EventData"] }, 400, "body has no EventData object"],
    ["bad JSON", { body: "{Sign" }, 400, "body is not a JSON object"],
  ])("rejects %s with %i and queues nothing", async (_, options, status, error) => {
    const { response, enqueued } = await callWorker(await whiteboardRequest(SEED_EVENT, options));
    expect(response.status).toBe(status);
    const code = status === 400 ? "invalid_callback" : "signature_invalid";
    expect(await response.json()).toEqual({ error, code });
    expect(enqueued).toEqual([]);
  });

  it("answers 503 naming the missing secret", async () => {
    const { response, enqueued } = await callWorker(await whiteboardRequest(SEED_EVENT), {
      TIW_CALLBACK_KEY: undefined,
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "tencent-whiteboard is not configured: TIW_CALLBACK_KEY not set",
      code: "provider_not_configured",
    });
    expect(enqueued).toEqual([]);
  });
});

describe("POST /webhooks/tencent-whiteboard/<account>", () => {
  const path = "/webhooks/tencent-whiteboard/acme";

  it("verifies with the account's callback key and says so in source", async () => {
    const request = await whiteboardRequest(SEED_EVENT, { path, key: TEST_BINDINGS.TIW_CALLBACK_KEY_ACME });
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(200);
    expect(enqueued.map((event) => event.source)).toEqual(["/webhooks/tencent-whiteboard/acme"]);
  });

  it("rejects the default key on the account route", async () => {
    const { response, enqueued } = await callWorker(await whiteboardRequest(SEED_EVENT, { path }));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "Sign mismatch", code: "signature_invalid" });
    expect(enqueued).toEqual([]);
  });
});
