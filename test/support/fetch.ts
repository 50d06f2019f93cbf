import { vi } from "vitest";

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
