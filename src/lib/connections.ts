import { OPEN_CONNECTIONS } from "./limits";

/**
 * Workers lets one invocation have six outbound connections open at once. A seventh fetch waits,
 * unsent, until one closes, and its timeout runs all the while: a slow target would make the
 * deliveries queued behind it fail unsent, as "no answer". The consumers send every attempt through
 * one gate of six per invocation, and an attempt's timeout starts only when it passes the gate. (A KV
 * or Queues call among them may wait a moment for a connection; it has no timeout of ours.) One gate
 * per invocation: a promise must not be settled from another request's context.
 */

export class ConnectionGate {
  #open = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly size: number = OPEN_CONNECTIONS) {}

  /** Runs `work` once fewer than `size` others are running. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#open < this.size) this.#open += 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#open -= 1;
      else next();
    }
  }
}
