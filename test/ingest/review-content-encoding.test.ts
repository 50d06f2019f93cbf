import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/ingest/routes";
import { HUAWEI_NONCE, huaweiEventInfo, huaweiRequest } from "../support/huawei-meeting";
import { base64Json, tencentEventRequest } from "../support/tencent-meeting";
import { callWorker } from "../support/worker";

/** `bytes` compressed as HTTP's `gzip` or `deflate` (zlib) content coding. */
async function compressed(bytes: BodyInit, format: "gzip" | "deflate"): Promise<Uint8Array> {
  const stream = new Response(bytes).body?.pipeThrough(new CompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The same request with its body compressed and `Content-Encoding` saying so. */
async function encoded(request: Request, format: "gzip" | "deflate", coding: string = format): Promise<Request> {
  const headers = new Headers(request.headers);
  headers.set("content-encoding", coding);
  return new Request(request.url, { method: "POST", headers, body: await compressed(await request.text(), format) });
}

const STARTED = huaweiEventInfo("meeting.started");

describe("a callback sent with Content-Encoding", () => {
  it.each([
    ["gzip", "gzip"],
    ["x-gzip", "gzip"],
    ["GZip", "gzip"],
    ["deflate", "deflate"],
  ] as const)("%s: decoded, verified and queued as if sent plain", async (coding, format) => {
    const { response, enqueued } = await callWorker(await encoded(await huaweiRequest(STARTED), format, coding));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ event: "meeting.started", nonce: HUAWEI_NONCE });
    expect(enqueued.map((event) => event.data.raw)).toEqual([STARTED]);
  });

  it("a gzip Tencent callback gets Tencent's exact answer", async () => {
    const data = base64Json({ event: "meeting.started", trace_id: "gz-1", payload: [{}] });
    const { response, enqueued } = await callWorker(await encoded(await tencentEventRequest(data), "gzip"));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("successfully received callback");
    expect(enqueued.map((event) => event.id)).toEqual(["tencent-meeting:gz-1:0"]);
  });

  it("a body that decompresses past the limit: 413, nothing queued", async () => {
    const body = await compressed(new Uint8Array(MAX_BODY_BYTES + 1).fill(0x20), "gzip");
    const request = new Request("http://relay.test/webhooks/huawei-meeting", {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body,
    });
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: `request body exceeds ${MAX_BODY_BYTES} bytes`,
      code: "payload_too_large",
    });
    expect(enqueued).toEqual([]);
  });

  it("a gzip body cut short: 400 saying so, nothing queued", async () => {
    const whole = await compressed(await (await huaweiRequest(STARTED)).text(), "gzip");
    const request = new Request("http://relay.test/webhooks/huawei-meeting", {
      method: "POST",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
      body: whole.slice(0, whole.length - 12),
    });
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: "request body is not valid gzip: it does not decompress as its Content-Encoding says",
      code: "invalid_callback",
    });
    expect(enqueued).toEqual([]);
  });

  it("a body an intermediary already decoded (the header left on) is read as it is", async () => {
    const plain = await huaweiRequest(STARTED);
    const headers = new Headers(plain.headers);
    headers.set("content-encoding", "gzip");
    const request = new Request(plain.url, { method: "POST", headers, body: await plain.text() });
    const { response, enqueued } = await callWorker(request);
    expect(response.status).toBe(200);
    expect(enqueued).toHaveLength(1);
  });
});
