import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { waitFor } from "./wait.ts";

/**
 * What the sink answers one request with: a response (optionally after a delay),
 * `"reset"` (the connection is destroyed: the relay sees a network error) or
 * `"hang"` (no answer until the sink closes: the relay's timeout fires).
 */
export type Reply =
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | "reset"
  | "hang";

/** Decides each reply. `attempt` counts this route's requests with the same `webhook-id` (1, 2, …). */
export type Plan = (attempt: number, request: Omit<SinkRequest, "reply">) => Reply;

export interface SinkRequest {
  /** Path without the query, e.g. `/a`. */
  path: string;
  method: string;
  /** Lower-case header names, as Node gives them. */
  headers: Record<string, string>;
  body: string;
  webhookId: string | undefined;
  /** Among this route's requests with this `webhook-id`, 1-based. */
  attempt: number;
  receivedAt: number;
  reply: Reply;
}

/** Always the same reply. */
export const always =
  (reply: Reply): Plan =>
  () =>
    reply;

/** `failures[i]` for the (i+1)-th attempt of each webhook-id, then `then` (default 204). */
export const failFirst =
  (failures: Reply[], then: Reply = { status: 204 }): Plan =>
  (attempt) =>
    failures[attempt - 1] ?? then;

export interface Sink {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Sets (or replaces, at any time) how a path answers. Unplanned paths answer 404. */
  route(path: string, plan: Plan): void;
  /** Requests received so far, optionally for one path, in arrival order. */
  requests(path?: string): SinkRequest[];
  /** Waits until `predicate` holds for the requests received so far. */
  waitFor(what: string, predicate: (requests: SinkRequest[]) => boolean, timeoutMs?: number): Promise<SinkRequest[]>;
  /** A one-line summary per request, for failure messages. */
  describe(): string;
  close(): Promise<void>;
}

/**
 * A programmable HTTP target on 127.0.0.1 (random free port) that records every
 * request and answers on a per-path plan, so tests can make targets fail,
 * recover, time out or drop connections on cue.
 */
export async function startSink(): Promise<Sink> {
  const plans = new Map<string, Plan>();
  const received: SinkRequest[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const webhookId = headers["webhook-id"];
    const attempt = received.filter((r) => r.path === path && r.webhookId === webhookId).length + 1;
    const request = {
      path,
      method: req.method ?? "GET",
      headers,
      body: Buffer.concat(chunks).toString("utf8"),
      webhookId,
      attempt,
      receivedAt: Date.now(),
    };
    const plan = plans.get(path);
    const reply: Reply = plan ? plan(attempt, request) : { status: 404 };
    received.push({ ...request, reply });

    if (reply === "reset") {
      req.socket.destroy();
      return;
    }
    if (reply === "hang") {
      hanging.add(res);
      return;
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    res.writeHead(reply.status, reply.headers);
    res.end(reply.body ?? "");
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address !== "object") throw new Error("sink did not get a port");
  const url = `http://127.0.0.1:${address.port}`;

  const sink: Sink = {
    url,
    route(path, plan) {
      plans.set(path, plan);
    },
    requests(path) {
      return path === undefined ? [...received] : received.filter((r) => r.path === path);
    },
    async waitFor(what, predicate, timeoutMs = 20_000) {
      return waitFor(what, () => predicate(received) && [...received], { timeoutMs, explain: () => sink.describe() });
    },
    describe() {
      return received
        .map((r) => {
          const reply = typeof r.reply === "string" ? r.reply : r.reply.status;
          return `${new Date(r.receivedAt).toISOString()} ${r.method} ${r.path} webhook-id=${r.webhookId} attempt=${r.attempt} → ${reply}`;
        })
        .join("\n");
    },
    async close() {
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return sink;
}
