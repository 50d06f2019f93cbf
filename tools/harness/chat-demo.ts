/**
 * Fake chat bots on 127.0.0.1 for `npm run demo`: Feishu, DingTalk, WeCom and Slack, each the same fake the
 * worker tests use (test/support/chat-bots.ts: it checks the signature and shape as the platform documents,
 * with nothing of the relay's code), served over node:http. `messageText` renders what each bot would show.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  BOT_SECRETS,
  BOT_URLS,
  type BotKind,
  type FakeBot,
  fakeDingtalk,
  fakeFeishu,
  fakeSlack,
  fakeWecom,
} from "../../test/support/chat-bots.ts";

export interface ChatBots {
  bots: FakeBot[];
  /** Chat targets for the targets document, pointing at the fakes. */
  targets: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startChatBots(): Promise<ChatBots> {
  const bots = [fakeFeishu(BOT_SECRETS.feishu), fakeDingtalk(BOT_SECRETS.dingtalk), fakeWecom(), fakeSlack()];
  const server: Server = createServer(async (incoming, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const url = new URL(incoming.url ?? "/", "http://127.0.0.1");
    const bot = bots.find((candidate) => new URL(candidate.url).pathname === url.pathname);
    if (bot === undefined) {
      outgoing.writeHead(404).end("no such bot");
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers))
      if (typeof value === "string") headers.set(name, value);
    const answer = await bot.answer(
      new Request(url, { method: incoming.method ?? "POST", headers, body: Buffer.concat(chunks) }),
    );
    outgoing.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" });
    outgoing.end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const local = (kind: BotKind) => {
    const url = new URL(BOT_URLS[kind]);
    return `${origin}${url.pathname}${url.search}`;
  };
  const secrets: Partial<Record<BotKind, string>> = BOT_SECRETS;
  const targets = bots.map((bot) => ({
    id: `demo-${bot.kind}`,
    kind: bot.kind,
    url: local(bot.kind),
    ...(secrets[bot.kind] ? { secret: secrets[bot.kind] } : {}),
  }));
  return {
    bots,
    targets,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What the bot would show for one message it received, as plain text. */
export function messageText(kind: BotKind, body: Record<string, unknown>): string {
  const at = (value: unknown, ...path: string[]): unknown =>
    path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
  if (kind === "feishu") {
    const post = at(body, "content", "post") as Record<string, { title?: string; content?: { text?: string }[][] }>;
    const first = Object.values(post ?? {})[0];
    const rows = (first?.content ?? []).map((row) => row.map((element) => element.text ?? "").join(""));
    return [first?.title ?? "", ...rows].join("\n");
  }
  if (kind === "dingtalk") return String(at(body, "markdown", "text") ?? "");
  if (kind === "wecom") return String(at(body, "markdown", "content") ?? "");
  return String(body.text ?? "");
}
