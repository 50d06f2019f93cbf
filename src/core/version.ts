import { version } from "../../package.json";

/** Sent as `user-agent: meeting-relay/<version>` and reported by /healthz; package.json is the one copy. */
export const VERSION: string = version;
