import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ChatTarget } from "../../src/config/targets-schema";
import type { DeliveryMessage, QueueMessage } from "../../src/queue/messages";
import { answerBots, BOT_TOKENS, BOT_URLS, type FakeBot, fakeWecom } from "../support/chat-bots";
import { sampleEvent } from "../support/events";
import { mockFetch } from "../support/fetch";
import { consume as consumeBatch } from "../support/queue";
import { reset } from "../support/reset";
import { useTargets } from "../support/targets";

// GET /admin/events/<id> attempts carry `response`, the first 1 KiB of a failed attempt's answer
// body as text, and the console shows a failed attempt's answer (docs/admin-api.md).
// A chat bot's failed answer was read (for its code) but never kept: `response` was always null.

const limiter = {
  idFromName: (name: string) => name,
  get: () => ({ take: async () => ({ go: true }) }),
};
const consume = (queue: string, bodies: QueueMessage[]) =>
  consumeBatch(queue, bodies, { env: { CHAT_RATE_LIMITER: limiter } });

const target: ChatTarget = { id: "team-wecom", kind: "wecom", url: BOT_URLS.wecom };
const event = sampleEvent("tencent-meeting:seq-excerpt:0", {
  type: "meeting.started",
  data: { meeting: { id: "m1", code: "530812452", subject: "weekly" }, raw: {} },
});
const pending = (): DeliveryMessage => ({
  kind: "delivery",
  event,
  target: target.id,
  attemptsBefore: 1,
  firstAttemptAt: Date.now() - 60_000,
});

let bot: FakeBot;
let outbound: ReturnType<typeof mockFetch>;

beforeEach(async () => {
  await reset();
  vi.spyOn(Math, "random").mockReturnValue(0);
  bot = fakeWecom();
  outbound = mockFetch(answerBots(bot));
  await useTargets([target]);
});
afterEach(() => {
  outbound.restore();
  vi.restoreAllMocks();
});

async function loggedResponse(): Promise<unknown> {
  const row = await env.RELAY_LOG.prepare("SELECT response, outcome FROM attempts WHERE event_id = ?")
    .bind(event.id)
    .first<{ response: unknown; outcome: string }>();
  return row?.response;
}

describe("a chat bot's failed answer in the event log", () => {
  it("keeps the first 1 KiB of the answer of a failed attempt (a 502 page)", async () => {
    bot.mode = "server-error";
    await consume("meeting-relay-deliveries", [pending()]);
    expect(await loggedResponse()).toBe("<html>502 Bad Gateway</html>");
  });

  it("keeps a refusal's JSON answer, and never the URL's token", async () => {
    bot.mode = "refused";
    await consume("meeting-relay-deliveries", [pending()]);
    const response = await loggedResponse();
    expect(response).toContain('"errcode":93000');
    expect(String(response)).not.toContain(BOT_TOKENS.wecom);
  });
});
