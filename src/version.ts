/** Sent as `user-agent: meeting-relay/<version>` and reported by /healthz. Keep in step with package.json. */
export const VERSION = "0.1.0";
