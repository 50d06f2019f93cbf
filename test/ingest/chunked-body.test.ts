import { describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../../src/ingest/routes";
import { callWorker } from "../support/worker";
import { YUNHUNI_TOKEN, yunhuniNotification } from "../support/yunhuni";

const URL_ = `http://relay.test/webhooks/yunhuni?token=${encodeURIComponent(YUNHUNI_TOKEN)}`;

/** A Yunhuni notification whose JSON is exactly `bytes` long (ASCII), padded in `user_data`. */
function notificationOf(bytes: number): Record<string, unknown> {
  const bare = JSON.stringify(yunhuniNotification("conf.joined", { user_data: "" })).length;
  return yunhuniNotification("conf.joined", { user_data: "u".repeat(bytes - bare) });
}

type StreamKind = "runtime" | "byte stream" | "default stream";

/**
 * `text` sent without Content-Length, in chunks of `chunk` bytes, through a stream of `kind`: one the
 * runtime provides (as a request from the network), a JavaScript byte stream, or a JavaScript default stream.
 */
function streamed(text: string, chunk: number, kind: StreamKind): Request {
  const bytes = new TextEncoder().encode(text);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += chunk) chunks.push(bytes.slice(at, at + chunk));
  let body: ReadableStream<Uint8Array>;
  if (kind === "runtime") {
    const { readable, writable } = new IdentityTransformStream();
    const writer = writable.getWriter();
    void (async () => {
      for (const part of chunks) await writer.write(part);
      await writer.close();
    })();
    body = readable;
  } else if (kind === "byte stream") {
    body = new ReadableStream({
      type: "bytes",
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(next);
      },
    });
  } else {
    body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(next);
      },
    });
  }
  const request = new Request(URL_, { method: "POST", body, headers: { "content-type": "application/json" } });
  expect(request.headers.get("content-length")).toBeNull();
  return request;
}

const KINDS: StreamKind[] = ["runtime", "byte stream", "default stream"];

describe("ingest: a body without Content-Length is read whole, whatever its chunks", () => {
  // Around the size of one read (16 KiB), and several reads.
  const cases = KINDS.flatMap((kind) =>
    [
      [200, 7],
      [16 * 1024 - 1, 1000],
      [16 * 1024, 16 * 1024],
      [16 * 1024 + 1, 4096],
      [40_000, 1000],
      [40_000, 40_000],
    ].map(([bytes, chunk]) => [kind, bytes as number, chunk as number] as const),
  );

  it.each(cases)("%s, %i bytes in chunks of %i: 200 and the whole notification queued", async (kind, bytes, chunk) => {
    const notification = notificationOf(bytes);
    const text = JSON.stringify(notification);
    expect(text.length).toBe(bytes);
    const { response, enqueued } = await callWorker(streamed(text, chunk, kind));
    expect({ status: response.status, body: await response.text() }).toEqual({ status: 200, body: '{"ok":true}' });
    expect(enqueued.map((event) => event.data.raw)).toEqual([notification]);
  });

  it.each(KINDS)("%s, one byte over the limit: 413, nothing queued", async (kind) => {
    const { response, enqueued } = await callWorker(streamed("x".repeat(MAX_BODY_BYTES + 1), 64 * 1024, kind));
    expect(response.status).toBe(413);
    expect(enqueued).toEqual([]);
  });
});
