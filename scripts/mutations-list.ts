/**
 * The mutations `npm run test:mutations` applies, one at a time: each breaks one guard and names
 * the tests that must then fail. `find` must occur exactly once in its file (the script says so
 * when a refactor moved it: update the mutation with the code).
 */
export interface Mutation {
  name: string;
  changes: { file: string; find: string; replace: string }[];
  /** Test files that must go red. */
  tests: string[];
  project?: "workers" | "e2e";
}

/** A constant of src/lib/limits.ts raised tenfold: the relay then sends what Cloudflare refuses. */
function tenfold(constant: string, value: string, tests: string[]): Mutation {
  return {
    name: `${constant} raised tenfold`,
    changes: [
      {
        file: "src/lib/limits.ts",
        find: `export const ${constant} = ${value};`,
        replace: `export const ${constant} = (${value}) * 10;`,
      },
    ],
    tests,
  };
}

export const MUTATIONS: Mutation[] = [
  {
    name: "delivery follows redirects",
    changes: [{ file: "src/delivery/send.ts", find: '      redirect: "manual",\n', replace: "" }],
    tests: ["test/delivery/send.test.ts"],
  },
  tenfold("QUEUE_MESSAGE_BYTES", "128_000", ["test/pipeline/spill.test.ts", "test/pipeline/largest-callbacks.test.ts"]),
  tenfold("QUEUE_BATCH_MESSAGES", "100", ["test/pipeline/fan-in.test.ts"]),
  tenfold("QUEUE_BATCH_BYTES", "256_000", ["test/delivery/fan-out-limits.test.ts"]),
  tenfold("QUEUE_MAX_DELAY_SECONDS", "43_200", ["test/delivery/retry.test.ts", "test/delivery/deliver.test.ts"]),
  tenfold("KV_BULK_GET_KEYS", "100", ["test/delivery/fan-out-limits.test.ts"]),
  tenfold("D1_BOUND_PARAMETERS", "100", ["test/event-log/consumer.test.ts", "test/event-log/refusals.test.ts"]),
  tenfold("D1_PATTERN_BYTES", "50", ["test/admin/events.test.ts"]),
  tenfold("FREE_OPERATIONS_PER_INVOCATION", "50", [
    "test/admin/resume-pages.test.ts",
    "test/admin/bulk-replay.test.ts",
  ]),
  {
    name: "Tencent Whiteboard's Sign is not checked",
    changes: [
      {
        file: "src/providers/tencent-whiteboard/verify.ts",
        find: 'if (credential === undefined) return reject(401, "Sign mismatch");',
        replace: "",
      },
    ],
    tests: ["test/providers/tencent-whiteboard.test.ts", "test/ingest/tencent-whiteboard.test.ts"],
  },
  {
    name: "Yunhuni's token is not checked",
    changes: [
      {
        file: "src/providers/yunhuni/verify.ts",
        find: 'if (credential === undefined) return reject(401, "token mismatch");',
        replace: "",
      },
    ],
    tests: ["test/providers/yunhuni.test.ts", "test/ingest/yunhuni.test.ts"],
  },
  {
    name: "the dedup marker is never written",
    changes: [
      {
        file: "src/delivery/dedup.ts",
        find: 'await state.put(PREFIX + eventId, "1", { expirationTtl: Math.max(60, ttlSeconds) });',
        replace: "void state;",
      },
    ],
    tests: ["test/delivery/fan-out.test.ts", "test/pipeline/end-to-end.test.ts"],
  },
];
