/**
 * Cloudflare's published limits, as the doubles enforce them. Written here on their own, never
 * imported from src/lib/limits.ts: the doubles are an independent check of the relay, so a wrong
 * or raised constant in the relay's code makes it send what these refuse, and a test fails.
 * https://developers.cloudflare.com/queues/platform/limits/ · https://developers.cloudflare.com/kv/platform/limits/
 * · https://developers.cloudflare.com/d1/platform/limits/ · https://developers.cloudflare.com/workers/platform/limits/
 */
export const PRODUCTION = {
  queueMessageBytes: 128_000,
  queueBatchMessages: 100,
  queueBatchBytes: 256_000,
  /** Queues' own metadata in each message ("up to ~100 bytes"), counted against the message and batch limits. */
  queueMessageMetadataBytes: 100,
  queueMaxDelaySeconds: 43_200,
  kvKeyBytes: 512,
  kvValueBytes: 25 * 1024 * 1024,
  kvBulkGetKeys: 100,
  kvMetadataBytes: 1024,
  kvListKeys: 1000,
  kvMinTtlSeconds: 60,
  d1BoundParameters: 100,
  d1SqlBytes: 100_000,
  d1PatternBytes: 50,
  /** Connections one invocation has open at once; a fetch past them waits for one to close. */
  openConnections: 6,
  /** Operations (fetch, KV, D1, Queues) per invocation on the Free plan, and on Paid. */
  freeOperations: 50,
  paidOperations: 1000,
} as const;
