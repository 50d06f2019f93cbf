/** Fake credentials the benchmarked relay runs with; the signers below sign with the same values. */
export const BENCH_CREDENTIALS = {
  TENCENT_MEETING_TOKEN: "benchTencentToken00000001",
  HUAWEI_MEETING_APP_ID: "bench-huawei-subscriber",
  HUAWEI_MEETING_APP_KEY: "bench-huawei-subscriber-key",
  YUNHUNI_TOKEN: "bench-yunhuni-token",
  TIW_CALLBACK_KEY: "benchWhiteboardKey",
  ADMIN_TOKEN: "bench-admin-token",
} as const;

/** The e2e sink's Standard Webhooks secret (fake). */
export const SINK_SECRET = "whsec_YmVuY2gtc2luay1zZWNyZXQtMDAwMDAwMDAwMDA=";
