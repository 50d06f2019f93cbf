import type { ChatKind } from "../../config/target-kinds";
import type { ChatBot } from "./bot";
import { dingtalk } from "./dingtalk";
import { feishu } from "./feishu";
import { slack } from "./slack";
import { wecom } from "./wecom";

/** Every chat's bot, by target kind. */
export const BOTS: Readonly<Record<ChatKind, ChatBot>> = { feishu, dingtalk, wecom, slack };
