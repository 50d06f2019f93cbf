import { describe, expect, it } from "vitest";
import {
  base64Json,
  SEED_CALLBACK,
  SEED_DATA,
  SEED_EVENT_DATA,
  tencentCheckRequest,
  tencentEventRequest,
} from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

const ROUTE_NOT_FOUND =
  "no such webhook route: use /webhooks/<platform> or /webhooks/<platform>/<account>, platform one of tencent-meeting, huawei-meeting, yunhuni, tencent-whiteboard, account in lower case (a-z, 0-9, _)";
const NOT_FOUND = "not found: the relay answers /webhooks/<platform>[/<account>], /admin/…, /console and /healthz";

const SEED_ID = "tencent-meeting:f20096ee-8ac8-4df2-a7de-0574649f211b:0";

describe("POST /webhooks/tencent-meeting", () => {
  it("queues Tencent's documented callback as the documented event and answers exactly `successfully received callback`", async () => {
    const { response, enqueued } = await callWorker(await tencentEventRequest(SEED_DATA));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe("successfully received callback");
    expect(enqueued).toEqual([
      {
        specversion: "1.0",
        id: SEED_ID,
        source: "/webhooks/tencent-meeting",
        type: "meeting.created",
        subject: "6058890385480921052",
        time: "2020-12-29T09:41:06Z",
        datacontenttype: "application/json",
        provider: "tencent-meeting",
        providerevent: "meeting.created",
        data: SEED_EVENT_DATA,
      },
    ]);
  });

  it("queues one event per payload item", async () => {
    const item = SEED_CALLBACK.payload[0];
    const data = base64Json({ ...SEED_CALLBACK, payload: [item, item, item] });
    const { response, enqueued } = await callWorker(await tencentEventRequest(data));
    expect(response.status).toBe(200);
    expect(enqueued.map((event) => event.id)).toEqual([0, 1, 2].map((i) => `${SEED_ID.slice(0, -2)}:${i}`));
  });

  it("serves a second enterprise account with its own token and source", async () => {
    const request = await tencentEventRequest(SEED_DATA, {
      path: "/webhooks/tencent-meeting/acme",
      token: "tmtokenacme00000000000002",
    });
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(200);
    expect(enqueued.map((event) => event.source)).toEqual(["/webhooks/tencent-meeting/acme"]);
  });

  it("accepts a callback URL pasted with a trailing slash", async () => {
    const { response, enqueued } = await callWorker(
      await tencentEventRequest(SEED_DATA, { path: "/webhooks/tencent-meeting/" }),
    );
    expect(response.status).toBe(200);
    expect(enqueued.map((event) => event.source)).toEqual(["/webhooks/tencent-meeting"]);
  });

  it("does not accept the default token on an account route", async () => {
    const request = await tencentEventRequest(SEED_DATA, { path: "/webhooks/tencent-meeting/acme" });
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(401);
    expect(enqueued).toEqual([]);
  });

  it("answers 503 and queues nothing when the queue refuses the event, so Tencent retries", async () => {
    const { response, enqueued } = await callWorker(
      await tencentEventRequest(SEED_DATA),
      {},
      { queueFailure: new Error("queue down") },
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      error: "the event could not be queued; retry later",
      code: "queue_unavailable",
    });
    expect(enqueued).toEqual([]);
  });
});

describe("GET /webhooks/tencent-meeting (URL verification)", () => {
  it("answers the decoded check_str as the whole plain-text body and queues nothing", async () => {
    const checkStr = base64Json("random-check-value");
    const { response, enqueued } = await callWorker(await tencentCheckRequest(checkStr));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await response.text()).toBe('"random-check-value"');
    expect(enqueued).toEqual([]);
  });

  it("answers a check_str with a literal + in the query", async () => {
    const checkStr = "fn5+Pj4/";
    const { response } = await callWorker(await tencentCheckRequest(checkStr, { rawCheckStr: checkStr }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("~~~>>?");
  });

  it("rejects a wrong signature with 401", async () => {
    const { response, enqueued } = await callWorker(await tencentCheckRequest("YWJj", { signature: "0".repeat(40) }));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: "signature mismatch", code: "signature_invalid" });
    expect(enqueued).toEqual([]);
  });
});

describe("rejections change nothing", () => {
  const cases: {
    name: string;
    request: () => Promise<Request>;
    env?: Record<string, unknown>;
    status: number;
    error: string;
    code: string;
  }[] = [
    {
      name: "unknown provider",
      request: async () => new Request("http://relay.test/webhooks/zoom", { method: "POST", body: "{}" }),
      status: 404,
      error: ROUTE_NOT_FOUND,
      code: "not_found",
    },
    {
      name: "account segment outside [a-z0-9_]{1,32}",
      request: () => tencentEventRequest(SEED_DATA, { path: "/webhooks/tencent-meeting/ACME" }),
      status: 404,
      error: ROUTE_NOT_FOUND,
      code: "not_found",
    },
    {
      name: "extra path segments",
      request: () => tencentEventRequest(SEED_DATA, { path: "/webhooks/tencent-meeting/acme/x" }),
      status: 404,
      error: NOT_FOUND,
      code: "not_found",
    },
    {
      name: "wrong method",
      request: async () => new Request("http://relay.test/webhooks/tencent-meeting", { method: "PUT", body: "{}" }),
      status: 405,
      error: "method PUT is not allowed here",
      code: "method_not_allowed",
    },
    {
      name: "body over 256 KiB",
      request: () => tencentEventRequest("A".repeat(256 * 1024)),
      status: 413,
      error: "request body exceeds 262144 bytes",
      code: "payload_too_large",
    },
    {
      name: "body over 256 KiB sent chunked, without content-length",
      request: async () => {
        const chunk = new TextEncoder().encode("A".repeat(64 * 1024));
        const body = new ReadableStream({
          start(controller) {
            for (let i = 0; i < 5; i++) controller.enqueue(chunk);
            controller.close();
          },
        });
        return new Request("http://relay.test/webhooks/tencent-meeting", { method: "POST", body });
      },
      status: 413,
      error: "request body exceeds 262144 bytes",
      code: "payload_too_large",
    },
    {
      name: "body that is not UTF-8",
      request: async () =>
        new Request("http://relay.test/webhooks/tencent-meeting", {
          method: "POST",
          body: new Uint8Array([0x7b, 0xff, 0x7d]),
        }),
      status: 400,
      error: "request body is not valid UTF-8",
      code: "invalid_callback",
    },
    {
      name: "token unset",
      request: () => tencentEventRequest(SEED_DATA),
      env: { TENCENT_MEETING_TOKEN: undefined },
      status: 503,
      error: "tencent-meeting is not configured: TENCENT_MEETING_TOKEN not set",
      code: "provider_not_configured",
    },
    {
      // Answered like a forged callback, so account names cannot be probed (test/ingest/unknown-account.test.ts).
      name: "account without any credentials",
      request: () => tencentEventRequest(SEED_DATA, { path: "/webhooks/tencent-meeting/globex" }),
      status: 401,
      error: "signature mismatch",
      code: "signature_invalid",
    },
    {
      name: "stale timestamp",
      request: () => tencentEventRequest(SEED_DATA, { timestamp: String(Math.floor(Date.now() / 1000) - 90_000) }),
      status: 401,
      error: "timestamp is outside the replay window",
      code: "signature_invalid",
    },
    {
      name: "missing signature header",
      request: () => tencentEventRequest(SEED_DATA, { omit: ["signature"] }),
      status: 401,
      error: "missing timestamp, nonce or signature header",
      code: "signature_invalid",
    },
  ];

  for (const { name, request, env, status, error, code } of cases) {
    it(`${name}: ${status}`, async () => {
      const { response, enqueued } = await callWorker(await request(), env);
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({ error, code });
      expect(enqueued).toEqual([]);
    });
  }

  it("names the allowed methods on a 405", async () => {
    const { response } = await callWorker(
      new Request("http://relay.test/webhooks/tencent-meeting", { method: "DELETE" }),
    );
    expect(response.headers.get("allow")).toBe("GET, POST");
  });
});
