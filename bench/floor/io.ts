/**
 * A second reference, beside the floor: a Worker that does only the I/O the relay's contract makes
 * every accepted callback do, and nothing else. It reads the body, sends one queue
 * message carrying it (the relay's message is the normalized event, of similar size),
 * writes one JSON log line, and answers 200. The relay's cost over this worker is what
 * its own code adds: routing, verification, normalization.
 */
interface Env {
  EVENTS_QUEUE: { send(body: unknown, options: { contentType: "json" }): Promise<unknown> };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const started = Date.now();
    const body = await request.text();
    await env.EVENTS_QUEUE.send(
      { kind: "event", event: { data: { raw: body } }, receivedAt: started },
      { contentType: "json" },
    );
    const line = {
      kind: "ingest",
      provider: "floor-io",
      outcome: "queued",
      status: 200,
      durationMs: Date.now() - started,
    };
    console.log(JSON.stringify(line));
    return new Response("ok");
  },
};
