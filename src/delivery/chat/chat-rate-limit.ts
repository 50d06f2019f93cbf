import type { ChatKind } from "../../config/target-kinds";
import type { ChatTarget } from "../../config/targets-schema";

interface RateLimit {
  perMinute?: number;
  perSecond?: number;
}

/**
 * What each bot accepts, as its platform documents it: DingTalk 20 a minute (more blocks the bot
 * for 10 minutes), WeCom 20 a minute, Feishu 100 a minute and 5 a second, Slack 1 a second.
 * https://open.dingtalk.com/document/orgapp/custom-robot-access,
 * https://developer.work.weixin.qq.com/document/path/91770,
 * https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot,
 * https://api.slack.com/apis/rate-limits
 */
const DEFAULT_RATE_LIMITS: Readonly<Record<ChatKind, RateLimit>> = {
  dingtalk: { perMinute: 20 },
  wecom: { perMinute: 20 },
  feishu: { perMinute: 100, perSecond: 5 },
  slack: { perSecond: 1 },
};

/** The limit in force for a chat target: its own `rateLimit` fields over its kind's defaults. */
export function chatRateLimit(target: Pick<ChatTarget, "kind" | "rateLimit">): RateLimit {
  const limit: RateLimit = { ...DEFAULT_RATE_LIMITS[target.kind] };
  const own = target.rateLimit;
  if (own?.perMinute !== undefined) limit.perMinute = own.perMinute;
  if (own?.perSecond !== undefined) limit.perSecond = own.perSecond;
  return limit;
}
