/**
 * Fake credentials the worker-level tests run with (never real ones). Tests sign
 * requests with these same values through the builders in `test/support`.
 */
export const TEST_BINDINGS = {
  TENCENT_MEETING_TOKEN: "tmtoken0000000000000000001",
  TENCENT_MEETING_TOKEN_ACME: "tmtokenacme00000000000002",
  ADMIN_TOKEN: "test-admin-token-0123456789",
  ALLOW_INSECURE_TARGETS: "true",
} as const;
