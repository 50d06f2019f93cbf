import type { ProviderAdapter } from "../types";
import { APPLICATION_JSON } from "../types";
import { normalizeHuaweiMeeting } from "./normalize";
import { type HuaweiMeetingCredentials, type HuaweiMeetingVerified, verifyHuaweiMeeting } from "./verify";

/** Huawei answers: the event name and the request's nonce, echoed back as JSON. */
function echo({ event, nonce }: HuaweiMeetingVerified) {
  return { status: 200, body: JSON.stringify({ event, nonce }), contentType: APPLICATION_JSON };
}

/** Huawei Cloud Meeting (华为云会议): docs/platforms.md, "Huawei Cloud Meeting". */
export const huaweiMeeting: ProviderAdapter<HuaweiMeetingCredentials, HuaweiMeetingVerified> = {
  name: "huawei-meeting",
  methods: ["POST"],
  requiredCredentials: ["HUAWEI_MEETING_APP_ID", "HUAWEI_MEETING_APP_KEY"],
  optionalCredentials: [],
  credentials: (lookup) => ({
    appId: lookup.value("HUAWEI_MEETING_APP_ID") ?? "",
    appIdName: lookup.name("HUAWEI_MEETING_APP_ID"),
    appKeys: lookup.candidates("HUAWEI_MEETING_APP_KEY"),
  }),
  verify: verifyHuaweiMeeting,
  // Enabling the push sends `meeting.verify`; the nonce must come back or enabling fails.
  handshake: (verified) => (verified.event === "meeting.verify" ? echo(verified) : null),
  normalize: async (verified, receivedAt) => [await normalizeHuaweiMeeting(verified, receivedAt)],
  success: echo,
};
