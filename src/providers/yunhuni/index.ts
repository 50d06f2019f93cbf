import type { ProviderAdapter } from "../types";
import { APPLICATION_JSON } from "../types";
import { parseAllowList } from "./allow-list";
import { normalizeYunhuni } from "./normalize";
import { verifyYunhuni, type YunhuniCredentials, type YunhuniVerified } from "./verify";

/** Yunhuni voice conference (云呼你 语音会议事件): docs/platforms.md, "Yunhuni voice conferences". */
export const yunhuni: ProviderAdapter<YunhuniCredentials, YunhuniVerified> = {
  name: "yunhuni",
  methods: ["POST"],
  requiredCredentials: ["YUNHUNI_TOKEN"],
  optionalCredentials: ["YUNHUNI_ALLOWED_IPS"],
  // An account without its own list uses the platform's: a restriction never fails open.
  inheritedCredentials: ["YUNHUNI_ALLOWED_IPS"],
  credentials: (lookup) => ({
    tokens: lookup.candidates("YUNHUNI_TOKEN"),
    allowList: parseAllowList(lookup.value("YUNHUNI_ALLOWED_IPS"), lookup.name("YUNHUNI_ALLOWED_IPS")),
  }),
  verify: verifyYunhuni,
  handshake: () => null,
  normalize: async ({ notification, inexactIntegers }, receivedAt) => [
    await normalizeYunhuni(notification, receivedAt, inexactIntegers),
  ],
  // Yunhuni reads only the status (any 200 is success); the body is for people reading logs.
  success: () => ({ status: 200, body: '{"ok":true}', contentType: APPLICATION_JSON }),
};
