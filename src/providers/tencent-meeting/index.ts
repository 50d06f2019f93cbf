import type { ProviderAdapter } from "../types";
import { TEXT_PLAIN } from "../types";
import { normalizeTencentMeeting } from "./normalize";
import { type TencentMeetingCredentials, type TencentMeetingVerified, verifyTencentMeeting } from "./verify";

/** Tencent Meeting (腾讯会议), PROVIDERS.md §1. */
export const tencentMeeting: ProviderAdapter<TencentMeetingCredentials, TencentMeetingVerified> = {
  name: "tencent-meeting",
  methods: ["GET", "POST"],
  requiredCredentials: ["TENCENT_MEETING_TOKEN"],
  credentials: (lookup) => ({ tokens: lookup.candidates("TENCENT_MEETING_TOKEN") }),
  verify: verifyTencentMeeting,
  // URL verification: the decoded check_str is the whole body, no quotes, no newline.
  handshake: (verified) =>
    verified.kind === "url-verification" ? { status: 200, body: verified.plainText, contentType: TEXT_PLAIN } : null,
  normalize: async (verified, receivedAt) =>
    verified.kind === "event" ? normalizeTencentMeeting(verified.callback, receivedAt) : [],
  success: () => ({ status: 200, body: "successfully received callback", contentType: TEXT_PLAIN }),
};
