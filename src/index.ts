import { app } from "./app";
import { handleQueue } from "./delivery/consumer";
import type { Env } from "./env";
import type { QueueMessage } from "./queue/messages";

export default {
  fetch: app.fetch,
  queue: handleQueue,
} satisfies ExportedHandler<Env, QueueMessage>;
