/**
 * The cost bench's counting proxies (bench/cost/counting.ts) count exactly what Cloudflare bills:
 * KV reads per key, Queue operations per 64 KB and per message, D1 rows from D1's own meta, one
 * request per Durable Object call, and a message deleted only once acknowledged.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  countConsole,
  countingBatch,
  countingD1,
  countingKv,
  countingNamespace,
  countingQueue,
  Tally,
} from "../../bench/cost/counting.ts";

describe("the cost bench's counting proxies", () => {
  it("count KV reads per key, and each write, delete and list", async () => {
    const tally = new Tally();
    const kv = countingKv(env.RELAY_STATE, "RELAY_STATE", tally);
    await kv.put("cost-a", "1");
    await kv.put("cost-b", "2");
    const values = await kv.get(["cost-a", "cost-b", "cost-missing"]);
    expect([...values]).toEqual([
      ["cost-a", "1"],
      ["cost-b", "2"],
      ["cost-missing", null],
    ]);
    expect(await kv.get("cost-a")).toBe("1");
    await kv.delete("cost-a");
    await kv.list({ prefix: "cost-" });
    const { kvReads, kvWrites, kvDeletes, kvLists } = tally.snapshot();
    expect({ kvReads, kvWrites, kvDeletes, kvLists }).toEqual({ kvReads: 4, kvWrites: 2, kvDeletes: 1, kvLists: 1 });
  });

  it("take D1 rows from each result's meta, batches and first() included, and flag raw()", async () => {
    await env.RELAY_LOG.prepare("CREATE TABLE IF NOT EXISTS cost_rows (id INTEGER PRIMARY KEY, v TEXT)").run();
    const tally = new Tally();
    const db = countingD1(env.RELAY_LOG, "RELAY_LOG", tally);
    const insert = db.prepare("INSERT INTO cost_rows (v) VALUES (?1)");
    await db.batch([insert.bind("a"), insert.bind("b")]);
    await db.prepare("INSERT INTO cost_rows (v) VALUES ('c')").run();
    const first = await db.prepare("SELECT v FROM cost_rows ORDER BY id").first<{ v: string }>();
    expect(first).toEqual({ v: "a" });
    expect(await db.prepare("SELECT v FROM cost_rows ORDER BY id DESC").first("v")).toBe("c");
    const counted = tally.snapshot();
    expect(counted.d1RowsWritten).toBe(3);
    // Each SELECT reads the table's 3 rows.
    expect(counted.d1RowsRead).toBe(6);
    expect(counted.d1Statements).toBe(5);
    expect(counted.d1Unmetered).toBe(0);
    await db.prepare("SELECT v FROM cost_rows").raw();
    expect(tally.snapshot().d1Unmetered).toBe(1);
  });

  it("count one Queue operation per 64 KB of each message written", async () => {
    const tally = new Tally();
    const sent: unknown[] = [];
    const queue = countingQueue(
      {
        async send(body: unknown) {
          sent.push(body);
        },
        async sendBatch(messages: Iterable<{ body: unknown }>) {
          for (const message of messages) sent.push(message.body);
        },
      },
      "Q",
      tally,
    );
    await queue.send({ small: true });
    // 70,000 bytes of JSON (the string and its quotes): two operations.
    await queue.sendBatch([{ body: "x".repeat(69_998) }, { body: { n: 1 } }]);
    expect(sent).toHaveLength(3);
    expect(tally.snapshot().queueOperationsWritten).toBe(4);
    expect(tally.snapshot().detail["queue.Q messages written"]).toBe(3);
  });

  it("count every message read, and as deleted only the ones acknowledged, as Queues decides", () => {
    const fakeBatch = (n: number) => {
      const calls: string[] = [];
      const messages = Array.from({ length: n }, (_, i) => ({
        body: { i },
        ack: () => calls.push(`ack ${i}`),
        retry: () => calls.push(`retry ${i}`),
      }));
      return {
        calls,
        batch: {
          queue: "q",
          messages,
          ackAll: () => calls.push("ackAll"),
          retryAll: () => calls.push("retryAll"),
        },
      };
    };

    const tally = new Tally();
    const returned = fakeBatch(3);
    const one = countingBatch(returned.batch, tally);
    const [m0, m1] = one.batch.messages;
    m0?.ack();
    m0?.retry(); // ignored: the first call wins
    m1?.retry();
    one.settle(false); // message 2, undecided, is acknowledged by a handler that returned
    expect(returned.calls).toEqual(["ack 0", "retry 0", "retry 1"]);
    expect(tally.snapshot().queueOperationsRead).toBe(3);
    expect(tally.snapshot().queueOperationsDeleted).toBe(2);

    const threw = fakeBatch(2);
    const two = countingBatch(threw.batch, tally);
    two.batch.messages[0]?.ack();
    two.settle(true); // message 1 is retried with the batch
    expect(tally.snapshot().queueOperationsDeleted).toBe(3);

    const all = fakeBatch(2);
    const three = countingBatch(all.batch, tally);
    three.batch.messages[0]?.ack(); // a message's own call wins over the batch's
    three.batch.retryAll();
    three.settle(false);
    expect(all.calls).toEqual(["ack 0", "retryAll"]);
    expect(tally.snapshot().queueOperationsDeleted).toBe(4);
    expect(tally.snapshot().queueMessagesRead).toBe(7);
  });

  it("count each call on a Durable Object stub as one request, and each console call as one line", async () => {
    const tally = new Tally();
    const namespace = countingNamespace(env.CHAT_RATE_LIMITER, "CHAT_RATE_LIMITER", tally);
    const stub = namespace.get(namespace.idFromName("cost-counting"));
    expect(stub.id.toString()).toMatch(/^[0-9a-f]{64}$/);
    expect(await stub.take({ perMinute: 20 }, Date.now())).toEqual({ go: true });
    await stub.take({ perMinute: 20 }, Date.now());
    expect(tally.snapshot().durableObjectRequests).toBe(2);

    const lines: unknown[] = [];
    const fake = {
      log: (...args: unknown[]) => lines.push(args),
      info: (...args: unknown[]) => lines.push(args),
      warn: (...args: unknown[]) => lines.push(args),
      error: (...args: unknown[]) => lines.push(args),
      debug: (...args: unknown[]) => lines.push(args),
    } as unknown as Console;
    countConsole(fake, tally);
    countConsole(fake, tally); // idempotent
    fake.log("a");
    fake.warn("b");
    fake.error("c", 1);
    expect(lines).toHaveLength(3);
    expect(tally.snapshot().logLines).toBe(3);
  });
});
