import { app } from "./app";
import { handleQueue } from "./delivery/consumer";
import type { QueueMessage } from "./delivery/messages";
import type { Env } from "./env";

export default {
  fetch: app.fetch,
  queue: handleQueue,
} satisfies ExportedHandler<Env, QueueMessage>;
