import { env } from "cloudflare:workers";
import { countOperation } from "./operations";

/**
 * A request to a Durable Object (an RPC call or `fetch` on its stub) is one operation of the
 * invocation that makes it, as Cloudflare counts subrequests. Getting a stub is not a request.
 */
const prototype = Object.getPrototypeOf(env.CHAT_RATE_LIMITER) as DurableObjectNamespace;
const realGet = prototype.get;

/** Names a stub answers that are not requests (the test helpers of cloudflare:test read them too). */
const NOT_REQUESTS = new Set<PropertyKey>(["constructor", "id", "name", "then"]);

export function installDurableObjectDouble(): void {
  prototype.get = function get(this: DurableObjectNamespace, ...args: Parameters<DurableObjectNamespace["get"]>) {
    const stub = realGet.apply(this, args);
    return new Proxy(stub, {
      get(target, property) {
        const value = Reflect.get(target, property);
        if (typeof value !== "function" || NOT_REQUESTS.has(property)) return value;
        return (...callArgs: unknown[]) => {
          countOperation(`durableObject.${String(property)}`);
          return Reflect.apply(value, target, callArgs);
        };
      },
    });
  } as DurableObjectNamespace["get"];
}
