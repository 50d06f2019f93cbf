/**
 * Fake credentials the worker-level tests run with (never real ones). Tests sign
 * requests with these same values through the builders in `test/support`.
 */
export const TEST_BINDINGS = {
  TENCENT_MEETING_TOKEN: "tmtoken0000000000000000001",
  TENCENT_MEETING_TOKEN_ACME: "tmtokenacme00000000000002",
  // The acme account receives encrypted callbacks (a fake EncodingAESKey: 43 letters and digits).
  TENCENT_MEETING_ENCODING_AES_KEY_ACME: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  HUAWEI_MEETING_APP_ID: "hw-subscriber-0001",
  HUAWEI_MEETING_APP_KEY: "hw-subscriber-key-fake-0001",
  HUAWEI_MEETING_APP_ID_ACME: "hw-subscriber-acme",
  HUAWEI_MEETING_APP_KEY_ACME: "hw-subscriber-key-fake-acme",
  YUNHUNI_TOKEN: "yunhuni-token-fake-0001",
  YUNHUNI_TOKEN_ACME: "yunhuni-token-fake-acme",
  TIW_CALLBACK_KEY: "tiw-callback-key-fake-0001",
  TIW_CALLBACK_KEY_ACME: "tiw-callback-key-fake-acme",
  ADMIN_TOKEN: "test-admin-token-0123456789abcdefghij",
  ALLOW_INSECURE_TARGETS: "true",
} as const;
