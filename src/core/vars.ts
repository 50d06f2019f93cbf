import { DEFAULTS } from "./settings";

/*
 * The vars' table, for people and tests only: the Worker never imports this module, so its text is
 * not in the bundle.
 */

/** One var of wrangler.toml `[vars]`: its default (`""`: unset) and what it takes. */
interface VarSpec {
  name: string;
  default: string;
  description: string;
  /** What a value must be, and what happens to one that is not. */
  validation: string;
}

/**
 * Every var the relay reads, in wrangler.toml's order. Secrets (`wrangler secret put`) are not vars and
 * are not listed; a var named per account (`HUAWEI_MEETING_APP_ID_ACME`) follows its base name's row.
 * A test checks this table against wrangler.toml `[vars]` and docs/deploy.md's vars table.
 */
export const VARS: readonly VarSpec[] = [
  {
    name: "HUAWEI_MEETING_APP_ID",
    default: "",
    description: "Huawei subscriber ID; must equal the callback's appID (per account: HUAWEI_MEETING_APP_ID_<ACCOUNT>)",
    validation: "any text; unset, Huawei callbacks answer 503 naming it",
  },
  {
    name: "YUNHUNI_ALLOWED_IPS",
    default: "",
    description: "addresses Yunhuni calls from, checked against CF-Connecting-IP; empty allows any",
    validation: "comma-separated IPv4/IPv6 addresses or CIDR ranges; an entry that is neither matches nothing",
  },
  {
    name: "REPLAY_WINDOW_SECONDS",
    default: DEFAULTS.REPLAY_WINDOW_SECONDS,
    description: "max age of a signed timestamp (Tencent, Huawei); 0 turns the check off",
    validation: "whole seconds, at most DEDUP_TTL_SECONDS; otherwise every request is answered 503 naming it",
  },
  {
    name: "DEDUP_TTL_SECONDS",
    default: DEFAULTS.DEDUP_TTL_SECONDS,
    description: "how long an event id is remembered for dedup",
    validation: "whole seconds up to 2147483647 (less than 60 counts as 60); otherwise 503 naming it",
  },
  {
    name: "RETRY_SCHEDULE",
    default: DEFAULTS.RETRY_SCHEDULE,
    description: "delays in seconds between delivery attempts (attempts = delays + 1)",
    validation:
      "comma-separated whole seconds (each capped at 12 h) adding up to at most 71 h; otherwise 503 naming it",
  },
  {
    name: "ALLOW_INSECURE_TARGETS",
    default: DEFAULTS.ALLOW_INSECURE_TARGETS,
    description: "true allows http:// targets on localhost and 127.0.0.1 (local development only)",
    validation: 'exactly "true" turns it on; anything else is off',
  },
  {
    name: "HUAWEI_MEETING_API_BASE",
    default: DEFAULTS.HUAWEI_MEETING_API_BASE,
    description: "Huawei Cloud Meeting's API, called by POST /admin/huawei/link-config",
    validation:
      "an https:// URL (http:// only for localhost with ALLOW_INSECURE_TARGETS=true); otherwise 503 naming it",
  },
  {
    name: "EVENT_LOG_RETENTION_DAYS",
    default: DEFAULTS.EVENT_LOG_RETENTION_DAYS,
    description: "how many days the event log keeps events, attempts and refusal counts",
    validation: "whole days from 1 to 30; the hourly pruning keeps going with 14 (invalid) or 30 (larger), logging why",
  },
];
