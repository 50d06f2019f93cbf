import { afterEach, beforeEach, vi } from "vitest";
import { openConnection } from "./production/fetch";
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
 * Redirects behave as the runtime's fetch: a request left to follow them (`redirect: "follow"`,
 * fetch's default) that gets a 3xx with a `location` makes the next request itself, recorded too;
 * so a test that a redirect leads nowhere can fail.
 */
export function mockFetch(answer: (request: Request) => Response | Promise<Response> = () => new Response("ok")) {
  const requests: Outbound[] = [];
  const send = async (request: Request, hops: number): Promise<Response> => {
    countOperation("fetch");
    const body = await request.clone().text();
    // A request waiting for a connection has not been sent: it is recorded once it has one.
    const close = await openConnection(request.signal);
    requests.push({
      method: request.method,
      url: request.url,
      redirect: request.redirect,
      headers: request.headers,
      body,
    });
    let response: Response;
    try {
      // As fetch does: the request's signal aborting before the answer's headers rejects it.
      response = await untilAborted(answer(request), request.signal);
    } finally {
      close();
    }
    const location = response.headers.get("location");
    if (request.redirect !== "follow" || !REDIRECTS.includes(response.status) || location === null) return response;
    if (hops >= 20) throw new TypeError("fetch failed: too many redirects");
    // 303 (and 301/302 after a POST) become a GET without a body, as fetch does.
    const asGet =
      response.status === 303 || ((response.status === 301 || response.status === 302) && request.method === "POST");
    const next = new Request(new URL(location, request.url), {
      method: asGet ? "GET" : request.method,
      headers: request.headers,
      ...(asGet || request.method === "GET" || request.method === "HEAD" ? {} : { body }),
    });
    return send(next, hops + 1);
  };
  const spy = vi
    .spyOn(globalThis, "fetch")
    .mockImplementation((input, init) => send(new Request(input as RequestInfo, init as RequestInit), 0));
  return { requests, restore: () => spy.mockRestore() };
}

const REDIRECTS = [301, 302, 303, 307, 308];

function untilAborted<T>(answer: Promise<T> | T, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    Promise.resolve(answer).then(
      (value) => {
        signal.removeEventListener("abort", abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(error);
      },
    );
  });
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
