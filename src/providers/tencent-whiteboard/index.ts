import type { ProviderAdapter } from "../types";
import { APPLICATION_JSON } from "../types";
import { normalizeTencentWhiteboard } from "./normalize";
import { type TencentWhiteboardCredentials, type TencentWhiteboardVerified, verifyTencentWhiteboard } from "./verify";

/** Tencent Cloud Interactive Whiteboard (互动白板, TIW): docs/platforms.md, "Tencent Interactive Whiteboard". */
export const tencentWhiteboard: ProviderAdapter<TencentWhiteboardCredentials, TencentWhiteboardVerified> = {
  name: "tencent-whiteboard",
  methods: ["POST"],
  requiredCredentials: ["TIW_CALLBACK_KEY"],
  optionalCredentials: [],
  credentials: (lookup) => ({ callbackKeys: lookup.candidates("TIW_CALLBACK_KEY") }),
  verify: verifyTencentWhiteboard,
  handshake: () => null,
  // One Sign authenticates any body until ExpireTime: dedup must remember the event that long.
  replayableUntil: ({ callback }) => Number(callback.ExpireTime) * 1000,
  normalize: async (verified, receivedAt) => [await normalizeTencentWhiteboard(verified, receivedAt)],
  // The sender only checks for 200; Tencent's callback docs recommend this body "为了协议友好".
  success: () => ({ status: 200, body: '{"error_code":0}', contentType: APPLICATION_JSON }),
};
