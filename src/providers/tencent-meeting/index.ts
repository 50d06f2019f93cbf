import type { ProviderAdapter } from "../types";
import { TEXT_PLAIN } from "../types";
import { ENCODING_AES_KEY, type TencentMeetingCredentials, TOKEN, tencentMeetingCredentials } from "./aes-key";
import { normalizeTencentMeeting } from "./normalize";
import { type TencentMeetingVerified, verifyTencentMeeting } from "./verify";

/** Tencent Meeting (腾讯会议); docs/platforms.md describes its protocol. */
export const tencentMeeting: ProviderAdapter<TencentMeetingCredentials, TencentMeetingVerified> = {
  name: "tencent-meeting",
  methods: ["GET", "POST"],
  requiredCredentials: [TOKEN],
  encryptionCredential: ENCODING_AES_KEY,
  optionalCredentials: [ENCODING_AES_KEY],
  credentials: tencentMeetingCredentials,
  verify: verifyTencentMeeting,
  // URL verification: the decoded check_str is the whole body, no quotes, no newline.
  handshake: (verified) =>
    verified.kind === "url-verification" ? { status: 200, body: verified.plainText, contentType: TEXT_PLAIN } : null,
  normalize: async (verified, receivedAt) =>
    verified.kind === "event" ? normalizeTencentMeeting(verified.callback, receivedAt) : [],
  success: () => ({ status: 200, body: "successfully received callback", contentType: TEXT_PLAIN }),
};
