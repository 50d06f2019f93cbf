import { TEST_BINDINGS } from "./bindings";
import { PREVIOUS_VALUES } from "./credentials";
import { TARGET_SECRET_VALUES } from "./targets";

/**
 * The credentials of the test suite that must never appear in a log line or a
 * response body (vars such as HUAWEI_MEETING_APP_ID are not secret: they name a subscriber),
 * and the write-only values of its targets (signing secrets, header values).
 */
export const SECRET_VALUES: readonly string[] = [
  ...Object.entries(TEST_BINDINGS)
    .filter(([name]) => /TOKEN|KEY/.test(name))
    .map(([, value]) => value),
  ...Object.values(PREVIOUS_VALUES),
  ...TARGET_SECRET_VALUES,
];

/** The secrets found in a text, by value. */
export function leakedSecrets(text: string, secrets: readonly string[] = SECRET_VALUES): string[] {
  return secrets.filter((secret) => text.includes(secret));
}
