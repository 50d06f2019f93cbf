/** The end-to-end harness: see README.md beside this file. */
export { freePort } from "./ports.ts";
export { type KvEntry, putKv, type Relay, type RelayOptions, startRelay } from "./relay.ts";
export { settled } from "./settled.ts";
export { always, failFirst, type Plan, type Reply, type Sink, type SinkRequest, startSink } from "./sink.ts";
export { sleep, waitFor } from "./wait.ts";
export { PROJECT_ROOT, wrangler, wranglerEnv } from "./wrangler.ts";
