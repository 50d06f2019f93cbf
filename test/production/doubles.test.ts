import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { QueueMessage } from "../../src/queue/messages";
import { mockFetch } from "../support/fetch";
import { patternsOf } from "../support/production/d1";
import { aSecondPasses } from "../support/production/kv";
import { PRODUCTION } from "../support/production/limits";
import { asInvocation, ProductionLimitError, takeViolations } from "../support/production/operations";
import { bodyBytes } from "../support/production/queue";
import { recordQueue } from "../support/queue";
import { reset } from "../support/reset";

/**
 * The doubles refuse exactly where Cloudflare does: at the limit accepted, one past it refused
 * (thrown, as production throws, and recorded, so the test that did it fails even when the relay
 * caught the error). Each refusal here is taken back from the record, so these tests pass.
 */
function refused(run: () => unknown): Promise<string> {
  return Promise.resolve()
    .then(run)
    .then(
      () => {
        throw new Error("the double accepted what production refuses");
      },
      (error: unknown) => {
        expect(error).toBeInstanceOf(ProductionLimitError);
        const taken = takeViolations();
        expect(taken).toHaveLength(1);
        return taken[0] as string;
      },
    );
}

/** A message body of exactly `bytes` bytes as Queues measures it. */
function bodyOf(bytes: number): QueueMessage {
  const empty = { kind: "event", pad: "" } as unknown as QueueMessage;
  const body = { kind: "event", pad: "x".repeat(bytes - bodyBytes(empty)) } as unknown as QueueMessage;
  expect(bodyBytes(body)).toBe(bytes);
  return body;
}

const {
  d1BoundParameters: D1_BOUND_PARAMETERS,
  d1PatternBytes: D1_PATTERN_BYTES,
  d1SqlBytes: D1_SQL_BYTES,
  kvBulkGetKeys: KV_BULK_GET_KEYS,
  kvMetadataBytes: KV_METADATA_BYTES,
  kvKeyBytes: KV_KEY_BYTES,
  kvListKeys: KV_LIST_KEYS,
  queueBatchBytes: QUEUE_BATCH_BYTES,
  queueBatchMessages: QUEUE_BATCH_MESSAGES,
  queueMaxDelaySeconds: QUEUE_MAX_DELAY_SECONDS,
  queueMessageBytes: QUEUE_MESSAGE_BYTES,
  queueMessageMetadataBytes: METADATA_BYTES,
} = PRODUCTION;

afterEach(() => expect(takeViolations()).toEqual([]));

describe("Queues", () => {
  it("takes a message of 128,000 bytes with its 100 bytes of metadata, and refuses one a byte larger", async () => {
    const recorder = recordQueue(env.EVENTS_QUEUE);
    try {
      await env.EVENTS_QUEUE.send(bodyOf(QUEUE_MESSAGE_BYTES - METADATA_BYTES));
      expect(await refused(() => env.EVENTS_QUEUE.send(bodyOf(QUEUE_MESSAGE_BYTES - METADATA_BYTES + 1)))).toBe(
        "Queue send: a message of 128001 bytes with its metadata exceeds 128000",
      );
      expect(recorder.sent).toHaveLength(1);
    } finally {
      recorder.restore();
    }
  });

  it("refuses a sendBatch of 101 messages, and one over 256,000 bytes in total with each message's metadata", async () => {
    const recorder = recordQueue(env.DELIVERIES_QUEUE);
    try {
      const small = Array.from({ length: QUEUE_BATCH_MESSAGES }, () => ({ body: bodyOf(100) }));
      await env.DELIVERIES_QUEUE.sendBatch(small);
      expect(await refused(() => env.DELIVERIES_QUEUE.sendBatch([...small, { body: bodyOf(100) }]))).toBe(
        "Queue sendBatch: 101 messages exceed 100",
      );
      // 100 messages of 2,460 bytes: 246,000 bytes of bodies, 256,000 with their metadata.
      const full = (last: number) =>
        Array.from({ length: QUEUE_BATCH_MESSAGES }, (_, index) => ({
          body: bodyOf(
            index === QUEUE_BATCH_MESSAGES - 1 ? last : QUEUE_BATCH_BYTES / QUEUE_BATCH_MESSAGES - METADATA_BYTES,
          ),
        }));
      await env.DELIVERIES_QUEUE.sendBatch(full(2_460));
      expect(await refused(() => env.DELIVERIES_QUEUE.sendBatch(full(2_461)))).toBe(
        "Queue sendBatch: 256001 bytes in one batch, with each message's metadata, exceed 256000",
      );
      expect(recorder.sent).toHaveLength(2 * QUEUE_BATCH_MESSAGES);
    } finally {
      recorder.restore();
    }
  });

  it("refuses a delay over 12 hours, in a send and in a batch", async () => {
    const recorder = recordQueue(env.DELIVERIES_QUEUE);
    try {
      await env.DELIVERIES_QUEUE.send(bodyOf(100), { delaySeconds: QUEUE_MAX_DELAY_SECONDS });
      expect(
        await refused(() => env.DELIVERIES_QUEUE.send(bodyOf(100), { delaySeconds: QUEUE_MAX_DELAY_SECONDS + 1 })),
      ).toBe("Queue send: delaySeconds 43201 is not a whole number from 0 to 43200");
      expect(
        await refused(() =>
          env.DELIVERIES_QUEUE.sendBatch([{ body: bodyOf(100), delaySeconds: QUEUE_MAX_DELAY_SECONDS + 1 }]),
        ),
      ).toBe("Queue sendBatch: delaySeconds 43201 is not a whole number from 0 to 43200");
    } finally {
      recorder.restore();
    }
  });

  it("checks the binding itself, not only the recorder", async () => {
    expect(await refused(() => env.EVENTS_QUEUE.send(bodyOf(QUEUE_MESSAGE_BYTES)))).toContain("exceeds 128000");
  });
});

describe("KV", () => {
  it("takes a key of 512 bytes and refuses one of 513 (in UTF-8), in every operation", async () => {
    await reset();
    const key = "k".repeat(KV_KEY_BYTES);
    await env.RELAY_STATE.put(key, "v");
    expect(await env.RELAY_STATE.get(key)).toBe("v");
    const long = `${"k".repeat(KV_KEY_BYTES - 1)}é`; // 512 characters, 513 bytes
    expect(await refused(() => env.RELAY_STATE.put(long, "v"))).toBe("KV put: a key of 513 bytes exceeds 512");
    expect(await refused(() => env.RELAY_STATE.get(long))).toBe("KV get: a key of 513 bytes exceeds 512");
    expect(await refused(() => env.RELAY_STATE.delete(long))).toBe("KV delete: a key of 513 bytes exceeds 512");
  });

  it("takes a bulk get of 100 keys and refuses one of 101", async () => {
    const keys = Array.from({ length: KV_BULK_GET_KEYS }, (_, i) => `bulk:${i}`);
    expect((await env.RELAY_STATE.get(keys)).size).toBe(KV_BULK_GET_KEYS);
    expect(await refused(() => env.RELAY_STATE.get([...keys, "bulk:100"]))).toBe(
      "KV get: 101 keys in one bulk get exceed 100",
    );
  });

  it("refuses a list of more than 1,000 keys and a TTL under 60 seconds", async () => {
    await env.RELAY_STATE.list({ limit: KV_LIST_KEYS });
    expect(await refused(() => env.RELAY_STATE.list({ limit: KV_LIST_KEYS + 1 }))).toBe(
      "KV list: limit 1001 is not from 1 to 1000",
    );
    await env.RELAY_STATE.put("ttl", "v", { expirationTtl: 60 });
    expect(await refused(() => env.RELAY_STATE.put("ttl", "v", { expirationTtl: 59 }))).toBe(
      "KV put: expirationTtl 59 is under 60 seconds",
    );
  });

  it("takes metadata of 1,024 bytes as JSON and refuses 1,025", async () => {
    const metadata = (bytes: number) => ({ m: "x".repeat(bytes - '{"m":""}'.length) });
    await env.RELAY_STATE.put("meta", "v", { metadata: metadata(KV_METADATA_BYTES) });
    expect((await env.RELAY_STATE.getWithMetadata("meta")).metadata).toEqual(metadata(KV_METADATA_BYTES));
    expect(await refused(() => env.RELAY_STATE.put("meta2", "v", { metadata: metadata(KV_METADATA_BYTES + 1) }))).toBe(
      "KV put: metadata of 1025 bytes exceeds 1024",
    );
  });

  it("refuses a second write to one key in one invocation", async () => {
    const message = await refused(() =>
      asInvocation("test", 50, async () => {
        await env.RELAY_STATE.put("twice", "1");
        await env.RELAY_STATE.delete("twice");
      }),
    );
    expect(message).toBe(
      'KV delete: "twice" written twice in one invocation within a second (KV takes 1 write per key per second)',
    );
  });

  it("answers a second write to one key within a second from another invocation with KV's 429, and takes it once a second passed", async () => {
    await asInvocation("first", 50, () => env.RELAY_STATE.put("paced", "1"));
    const second = await asInvocation("second", 50, () => env.RELAY_STATE.delete("paced").then(() => "taken", String));
    expect(second).toBe("Error: KV DELETE failed: 429 Too Many Requests");
    expect(await env.RELAY_STATE.get("paced")).toBe("1");
    expect(takeViolations()).toEqual([]);
    aSecondPasses();
    await asInvocation("third", 50, () => env.RELAY_STATE.delete("paced"));
    expect(await env.RELAY_STATE.get("paced")).toBeNull();
  });

  it("takes a second write to one key from one invocation once a second has passed", async () => {
    const realNow = Date.now.bind(Date);
    let offset = 0;
    const clock = vi.spyOn(Date, "now").mockImplementation(() => realNow() + offset);
    try {
      await asInvocation("paced", 50, async () => {
        await env.RELAY_STATE.put("later", "1");
        offset += 1000;
        await env.RELAY_STATE.put("later", "2");
      });
    } finally {
      clock.mockRestore();
    }
    expect(await env.RELAY_STATE.get("later")).toBe("2");
  });
});

describe("D1", () => {
  it("takes 100 bound parameters and refuses 101", async () => {
    const sql = (n: number) => `SELECT ${Array.from({ length: n }, () => "?").join(", ")}`;
    await env.RELAY_LOG.prepare(sql(D1_BOUND_PARAMETERS))
      .bind(...Array.from({ length: D1_BOUND_PARAMETERS }, () => 1))
      .all();
    expect(
      await refused(() =>
        env.RELAY_LOG.prepare(sql(D1_BOUND_PARAMETERS + 1))
          .bind(...Array.from({ length: D1_BOUND_PARAMETERS + 1 }, () => 1))
          .all(),
      ),
    ).toBe("D1: 101 bound parameters exceed 100 (too many SQL variables)");
  });

  it("takes a GLOB pattern of 50 bytes and refuses 51, bound or written in the SQL", async () => {
    const exact = "a".repeat(D1_PATTERN_BYTES);
    const first = await env.RELAY_LOG.prepare("SELECT ?1 GLOB ?2 AS hit").bind(exact, exact).first<{ hit: number }>();
    expect(first?.hit).toBe(1);
    expect(await refused(() => env.RELAY_LOG.prepare("SELECT 'x' GLOB ?").bind(`${exact}*`))).toBe(
      "D1: LIKE or GLOB pattern too complex (51 bytes, more than 50)",
    );
    expect(await refused(() => env.RELAY_LOG.prepare(`SELECT 'x' LIKE '${exact}%'`))).toBe(
      "D1: LIKE or GLOB pattern too complex (51 bytes, more than 50)",
    );
  });

  it("finds which bound parameter is a pattern", () => {
    expect(patternsOf("SELECT * FROM t WHERE a = ? AND b GLOB ? AND c = 'it''s ?' AND d LIKE ?5")).toEqual([
      { parameter: 1 },
      { parameter: 4 },
    ]);
  });

  it("refuses a statement of more than 100,000 bytes of SQL", async () => {
    const padding = (n: number) => `SELECT 1 /*${"x".repeat(n - "SELECT 1 /**/".length)}*/`;
    await env.RELAY_LOG.prepare(padding(D1_SQL_BYTES)).all();
    expect(await refused(() => env.RELAY_LOG.prepare(padding(D1_SQL_BYTES + 1)))).toBe(
      "D1: a statement of 100001 bytes of SQL exceeds 100000",
    );
  });
});

describe("operations per invocation", () => {
  it("allows 50 operations and refuses the 51st, with what they were", async () => {
    const message = await refused(() =>
      asInvocation("fetch GET /admin/example", 50, async () => {
        for (let i = 0; i < 50; i++) await env.RELAY_STATE.get(`op:${i}`);
        await env.RELAY_LOG.prepare("SELECT 1").all();
      }),
    );
    expect(message).toBe(
      "fetch GET /admin/example made 51 operations, more than its budget of 50 (50 kv.get, 1 d1.all)",
    );
  });

  it("counts every statement of a D1 batch, and fetch", async () => {
    const intercept = mockFetch();
    const message = await refused(() =>
      asInvocation("queue x (1 messages)", 3, async () => {
        await env.RELAY_LOG.batch([env.RELAY_LOG.prepare("SELECT 1"), env.RELAY_LOG.prepare("SELECT 2")]);
        await fetch("https://target.example/");
        await env.RELAY_STATE.get("x");
      }),
    );
    expect(message).toBe(
      "queue x (1 messages) made 4 operations, more than its budget of 3 (1 d1.batch statement×2, 1 fetch, 1 kv.get)",
    );
    intercept.restore();
  });

  it("does not count a test's own setup outside any invocation", async () => {
    for (let i = 0; i < 60; i++) await env.RELAY_STATE.get(`setup:${i}`);
  });
});
