/**
 * What a chat send slot costs: a queue consumer asks the chat rate limiter for a slot, one request
 * per message, exactly as the relay's chat delivery does before each send, and times the request.
 * The Durable Object class is the relay's own, taken from its built bundle (bench/lib/slots.ts
 * writes the entry that exports both). `POST /start?n=…&targets=…` queues the messages; `GET /results`
 * returns each request's milliseconds once all have been asked.
 */
interface Limiter {
  take(limit: { perMinute?: number; perSecond?: number }, now: number): Promise<{ go?: true; waitSeconds?: number }>;
}

interface Env {
  CHAT_RATE_LIMITER: { idFromName(name: string): unknown; get(id: unknown): Limiter };
  SLOT_QUEUE: { sendBatch(messages: { body: SlotMessage }[]): Promise<unknown> };
}

interface SlotMessage {
  target: string;
}

/** DingTalk's default: a burst gets some sends and many promised slots, both paths of the object. */
const LIMIT = { perMinute: 20 };

/** One isolate serves everything under `wrangler dev`, so the samples can stay in memory. */
const samples: { ms: number; go: boolean; first: boolean }[] = [];
const asked = new Set<string>();

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/start") {
      const n = Number(url.searchParams.get("n"));
      const targets = Number(url.searchParams.get("targets"));
      const messages = Array.from({ length: n }, (_, i) => ({ body: { target: `bench-chat-${i % targets}` } }));
      for (let i = 0; i < messages.length; i += 100) await env.SLOT_QUEUE.sendBatch(messages.slice(i, i + 100));
      return Response.json({ queued: n });
    }
    if (url.pathname === "/results") return Response.json({ samples });
    return new Response("ok");
  },

  async queue(batch: { messages: { body: SlotMessage; ack(): void }[] }, env: Env): Promise<void> {
    // One at a time: each figure is one request's latency, not a share of a batch's concurrency.
    for (const message of batch.messages) {
      const { target } = message.body;
      const limiter = env.CHAT_RATE_LIMITER.get(env.CHAT_RATE_LIMITER.idFromName(target));
      const started = performance.now();
      const answer = await limiter.take(LIMIT, Date.now());
      samples.push({ ms: performance.now() - started, go: answer.go === true, first: !asked.has(target) });
      asked.add(target);
      message.ack();
    }
  },
};
