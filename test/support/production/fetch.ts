import { countOperation } from "./operations";

/** Outbound `fetch` is one operation (a subrequest) of the invocation that makes it. */
export function installFetchDouble(): void {
  const real = globalThis.fetch;
  globalThis.fetch = function fetch(input: RequestInfo | URL, init?: RequestInit) {
    countOperation("fetch");
    return real(input, init);
  } as typeof globalThis.fetch;
}
