import { PRODUCTION } from "./limits";
import { countOperation, currentInvocation } from "./operations";

/** Outbound `fetch` is one operation (a subrequest) of the invocation that makes it, and holds one of its connections. */
export function installFetchDouble(): void {
  const real = globalThis.fetch;
  globalThis.fetch = async function fetch(input: RequestInfo | URL, init?: RequestInit) {
    countOperation("fetch");
    const close = await openConnection(init?.signal ?? (input instanceof Request ? input.signal : undefined));
    try {
      return await real(input, init);
    } finally {
      close();
    }
  } as typeof globalThis.fetch;
}

/**
 * One connection of the current invocation, as Workers hands them out: six open at once; a fetch past
 * them waits, unsent, until one closes, while its signal (its timeout) keeps running, and an abort
 * while it waits rejects it as fetch does. Returns the function that closes it. (The connection is taken
 * to close when the answer's headers arrive; production holds it until the body is read.) Outside an
 * invocation (a test's own setup) there is no limit.
 */
export async function openConnection(signal: AbortSignal | null | undefined): Promise<() => void> {
  const connections = currentInvocation()?.connections;
  if (connections === undefined) return () => {};
  if (connections.open >= PRODUCTION.openConnections) {
    await new Promise<void>((resolve, reject) => {
      const turn = () => {
        signal?.removeEventListener("abort", abort);
        resolve();
      };
      const abort = () => {
        connections.waiting.splice(connections.waiting.indexOf(turn), 1);
        reject(signal?.reason);
      };
      signal?.throwIfAborted();
      signal?.addEventListener("abort", abort);
      connections.waiting.push(turn);
    });
  } else {
    connections.open += 1;
  }
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    const next = connections.waiting.shift();
    if (next === undefined) connections.open -= 1;
    else next();
  };
}
