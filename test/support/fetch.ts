import { afterEach, beforeEach, vi } from "vitest";
import { countOperation } from "./production/operations";
import { reset } from "./reset";

export interface Outbound {
  method: string;
  url: string;
  headers: Headers;
  redirect: Request["redirect"];
  body: string;
}

/**
 * The one fetch interceptor: replaces outbound `fetch` (the worker shares the test's isolate)
 * and records every request. `answer` gets each request and may return a response, throw (a
 * network error), or wait for the request's signal (a timeout). No request leaves the machine.
 */
export function mockFetch(answer: (request: Request) => Response | Promise<Response> = () => new Response("ok")) {
  const requests: Outbound[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    countOperation("fetch");
    const request = new Request(input as RequestInfo, init as RequestInit);
    requests.push({
      method: request.method,
      url: request.url,
      redirect: request.redirect,
      headers: request.headers,
      body: await request.clone().text(),
    });
    return answer(request);
  });
  return { requests, restore: () => spy.mockRestore() };
}

/** An answer that never comes: rejects like fetch does when the request's signal aborts. */
export function hang(request: Request): Promise<Response> {
  return new Promise((_, reject) => {
    request.signal.addEventListener("abort", () => reject(request.signal.reason));
  });
}

/**
 * For a file or block whose targets all answer 204: fresh local state and a recording interceptor
 * before each test, every spy restored after it. Read `.requests` inside a test.
 */
export function acceptEveryDelivery(): { readonly requests: Outbound[] } {
  let current: ReturnType<typeof mockFetch> | undefined;
  beforeEach(async () => {
    await reset();
    current = mockFetch(() => new Response(null, { status: 204 }));
  });
  afterEach(() => {
    current?.restore();
    vi.restoreAllMocks();
  });
  return {
    get requests() {
      return current?.requests ?? [];
    },
  };
}
