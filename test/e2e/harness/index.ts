/** The end-to-end harness: see README.md beside this file. */
export { freePort } from "./ports";
export { type KvEntry, PROJECT_ROOT, type Relay, type RelayOptions, seedKv, startRelay } from "./relay";
export { always, failFirst, type Plan, type Reply, type Sink, type SinkRequest, startSink } from "./sink";
export { type SignedRequest, tencentEventId, tencentMeetingCallback } from "./tencent-meeting";
export { sleep, waitFor } from "./wait";
