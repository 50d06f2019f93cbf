import { type CounterTable, HourlyCounter, OVERFLOW_ACCOUNT } from "./counter";

/** An accepted callback verified with a `_PREVIOUS` credential during a rotation. */
interface PreviousMatch {
  provider: string;
  /** The account segment of the route; "" for the base route. */
  account: string;
}

const PREVIOUS_MATCHES: CounterTable<PreviousMatch> = {
  table: "credential_matches",
  columns: ["provider", "account", "credential"],
  key: ({ provider, account }) => [provider, account, "previous"],
  overflow: ([provider, , credential]) => [provider ?? "", OVERFLOW_ACCOUNT, credential ?? "previous"],
};

/**
 * Accepted callbacks that matched a `_PREVIOUS` credential, per hour, provider and account:
 * what an operator checks before deleting `_PREVIOUS`. Matches of the current credential are
 * not counted (nothing is written in steady state).
 */
export const previousMatches = new HourlyCounter(PREVIOUS_MATCHES);
