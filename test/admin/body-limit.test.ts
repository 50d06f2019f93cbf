import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { TEST_BINDINGS } from "../support/bindings";
import { mockFetch } from "../support/fetch";
import { recordQueue } from "../support/queue";
import { reset } from "../support/reset";

/** Every admin route that reads a body, its cap, the 413's message, and its answer to a body of exactly the cap. */
const ROUTES = [
  {
    route: "PUT /admin/targets",
    max: 1024 * 1024,
    error: "targets document exceeds 1048576 bytes",
    atLimit: { status: 400, code: "invalid_json" },
  },
  {
    route: "POST /admin/huawei/link-config",
    max: 16 * 1024,
    error: "request body exceeds 16384 bytes",
    atLimit: { status: 400, code: "invalid_json" },
  },
  {
    route: "POST /admin/events/tencent-meeting:r:0/redeliver",
    max: 16 * 1024,
    error: "request body exceeds 16384 bytes",
    atLimit: { status: 400, code: "invalid_json" },
  },
  {
    route: "POST /admin/dead-letters/replay",
    max: 1024,
    error: "the body exceeds 1024 bytes: send only the filter",
    atLimit: { status: 400, code: "invalid_json" },
  },
] as const;

// Nothing here stores anything (that is the point), so one reset serves every test.
beforeAll(reset);
let outbound: ReturnType<typeof mockFetch>;
beforeEach(() => {
  outbound = mockFetch();
});
afterEach(() => outbound.restore());

/** A body of `bytes` bytes ("x") streamed in 1 KiB chunks; `pulled` counts the chunks the relay read. */
function streamed(bytes: number) {
  const counter = { pulled: 0 };
  let left = bytes;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left === 0) return controller.close();
      counter.pulled++;
      const size = Math.min(left, 1024);
      left -= size;
      controller.enqueue(new Uint8Array(size).fill(0x78));
    },
  });
  return { body, counter };
}

/** Calls the admin API; reports what it queued, sent out, and whether the targets document changed. */
async function call(route: string, body: BodyInit, headers: Record<string, string> = {}) {
  const [method, path] = route.split(" ") as [string, string];
  const queues = [recordQueue(env.EVENTS_QUEUE), recordQueue(env.DELIVERIES_QUEUE)];
  try {
    const request = new Request(`http://relay.test${path}`, {
      method,
      body,
      headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}`, ...headers },
    });
    const response = await worker.fetch(request, env, {} as ExecutionContext);
    return {
      status: response.status,
      body: await response.json(),
      queued: queues.flatMap((queue) => queue.sent),
      fetched: outbound.requests.length,
      targets: await env.RELAY_CONFIG.get("targets"),
    };
  } finally {
    for (const queue of queues) queue.restore();
  }
}

const nothingDone = { queued: [], fetched: 0, targets: null };

describe("admin API: request bodies are capped, and a body over the cap changes nothing", () => {
  it.each(ROUTES)("$route: a declared Content-Length over the cap is 413 before the body is read", async (route) => {
    const { body, counter } = streamed(route.max + 4096);
    const answer = await call(route.route, body, { "content-length": String(route.max + 1) });
    expect(answer).toEqual({
      status: 413,
      body: { error: route.error, code: "payload_too_large" },
      ...nothingDone,
    });
    // At most the one chunk a stream may pull ahead by itself.
    expect(counter.pulled).toBeLessThanOrEqual(1);
  });

  it.each(ROUTES)("$route: a streamed body (no Content-Length) one byte over the cap is 413", async (route) => {
    const { body, counter } = streamed(route.max + 1);
    const answer = await call(route.route, body);
    expect(answer).toEqual({ status: 413, body: { error: route.error, code: "payload_too_large" }, ...nothingDone });
    expect(counter.pulled).toBe(Math.ceil((route.max + 1) / 1024));
  });

  it.each(ROUTES)("$route: a body of exactly the cap is read, and answered for what it says", async (route) => {
    const answer = await call(route.route, streamed(route.max).body);
    expect({ status: answer.status, code: (answer.body as { code?: string }).code }).toEqual(route.atLimit);
    expect(answer).toMatchObject(nothingDone);
  });
});
