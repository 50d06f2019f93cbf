import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_BODY_BYTES } from "../../src/ingest/routes";
import { loggedLines } from "../support/log";
import { callWorker } from "../support/worker";

const URL_ = "http://relay.test/webhooks/tencent-meeting";
const TOO_LARGE = { error: `request body exceeds ${MAX_BODY_BYTES} bytes`, code: "payload_too_large" };

/** A body of `bytes` bytes sent as a stream in 64 KiB chunks, so the request has no Content-Length. */
function chunked(bytes: number): Request {
  let left = bytes;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left === 0) return controller.close();
      const size = Math.min(left, 64 * 1024);
      left -= size;
      controller.enqueue(new Uint8Array(size).fill(0x41));
    },
  });
  return new Request(URL_, { method: "POST", body });
}

async function send(request: Request) {
  const { result, lines } = await loggedLines(() => callWorker(request));
  return { status: result.response.status, body: await result.response.text(), enqueued: result.enqueued, lines };
}

afterEach(() => vi.restoreAllMocks());

describe("ingest: the body limit, checked while the body is read once", () => {
  it("a chunked body one byte over the limit: 413, nothing enqueued, one log line", async () => {
    const request = chunked(MAX_BODY_BYTES + 1);
    expect(request.headers.get("content-length")).toBeNull();
    const sent = await send(request);
    expect({ status: sent.status, body: JSON.parse(sent.body) }).toEqual({ status: 413, body: TOO_LARGE });
    expect(sent.enqueued).toEqual([]);
    expect(sent.lines).toEqual([expect.objectContaining({ kind: "ingest", outcome: "rejected", status: 413 })]);
  });

  it("a chunked body of exactly the limit is read and verified (refused for its signature, not its size)", async () => {
    const sent = await send(chunked(MAX_BODY_BYTES));
    expect(sent.status).toBe(401);
    expect(sent.enqueued).toEqual([]);
  });

  it("a body with Content-Length one byte over the limit: 413, nothing enqueued", async () => {
    // As a request arrives from the network: the header declares the body's length.
    const request = new Request(URL_, {
      method: "POST",
      body: "A".repeat(MAX_BODY_BYTES + 1),
      headers: { "content-length": String(MAX_BODY_BYTES + 1) },
    });
    const sent = await send(request);
    expect({ status: sent.status, body: JSON.parse(sent.body) }).toEqual({ status: 413, body: TOO_LARGE });
    expect(sent.enqueued).toEqual([]);
  });

  it("a body with Content-Length of exactly the limit is not refused for its size", async () => {
    const headers = { "content-length": String(MAX_BODY_BYTES) };
    const sent = await send(new Request(URL_, { method: "POST", body: "A".repeat(MAX_BODY_BYTES), headers }));
    expect(sent.status).toBe(401);
  });

  it("a declared Content-Length over the limit is refused before the body is read", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      // Five chunks (320 KiB), so a relay that reads before it checks finishes reading and is caught.
      pull(controller) {
        pulled++;
        if (pulled > 5) return controller.close();
        controller.enqueue(new Uint8Array(64 * 1024));
      },
    });
    const request = new Request(URL_, {
      method: "POST",
      body,
      headers: { "content-length": String(MAX_BODY_BYTES + 1) },
    });
    const sent = await send(request);
    expect({ status: sent.status, body: JSON.parse(sent.body) }).toEqual({ status: 413, body: TOO_LARGE });
    expect(pulled).toBeLessThanOrEqual(1);
  });
});
