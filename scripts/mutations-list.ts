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
        find: `const ${constant} = ${value};`,
        replace: `const ${constant} = (${value}) * 10;`,
      },
    ],
    tests,
  };
}

/** A guard's line removed or changed: `find` replaced by `replace` in `file`. */
function change(name: string, file: string, find: string, replace: string, tests: string[]): Mutation {
  return { name, changes: [{ file, find, replace }], tests };
}

export const MUTATIONS: Mutation[] = [
  {
    name: "a chat slot is taken before the message has a connection",
    changes: [
      {
        file: "src/delivery/attempt.ts",
        find: "const sent = await context.connections.run(async () => {",
        replace:
          "const early = isChatTarget(target) ? await slotWait(env, target, line) : undefined;\n  const sent = await context.connections.run(async () => {",
      },
      {
        file: "src/delivery/attempt.ts",
        find: "const wait = isChatTarget(target) ? await slotWait(env, target, line) : undefined;",
        replace: "const wait = early;",
      },
    ],
    tests: ["test/delivery/six-connections.test.ts"],
  },
  change(
    "a dot after a combining mark or a soft hyphen still links",
    "src/delivery/chat/escape.ts",
    "(?<=[\\p{L}\\p{N}\\p{M}\\p{Cf}_-])[.\\u3002\\uff0e\\uff61](?=[\\p{L}\\p{N}\\p{M}\\p{Cf}])",
    "(?<=[\\p{L}\\p{N}_-])\\.(?=[\\p{L}\\p{N}])",
    ["test/delivery/chat-formats.test.ts"],
  ),
  change(
    "a target already paused is paused again",
    "src/delivery/pauses.ts",
    "if (listed?.since && listed.by) return { ...(listed as Pause), kept: true };",
    "",
    ["test/delivery/relay-events-pause-once.test.ts"],
  ),
  change(
    "a wrong method on an admin path is a 404",
    "src/admin/routes.ts",
    "if (allow.size === 0) return c.notFound();",
    "return c.notFound();",
    ["test/admin/wrong-method.test.ts"],
  ),
  change(
    "relay.config.invalid is raised when no target wants it",
    "src/delivery/relay-events/config-invalid.ts",
    "if (!targets.some((target) => wantsOwnEvent(target, event))) return;",
    "if (targets.length === 0) return;",
    ["test/delivery/relay-events-config-invalid-wanted.test.ts"],
  ),
  change(
    "Huawei's unreadable error answer escapes as a 500",
    "src/admin/huawei.ts",
    'else bodyText = await readCapped(response.body, MAX_ANSWER_BYTES).catch(() => "");',
    "else bodyText = await readCapped(response.body, MAX_ANSWER_BYTES);",
    ["test/admin/huawei-unreadable-answer.test.ts"],
  ),
  change(
    "DEDUP_TTL_SECONDS has no upper limit",
    "src/core/settings.ts",
    'integer(env, "DEDUP_TTL_SECONDS", 60, MAX_DEDUP_TTL_SECONDS)',
    'integer(env, "DEDUP_TTL_SECONDS", 60)',
    ["test/config/dedup-ttl-limit.test.ts"],
  ),
  change(
    "vars without quotes are taken for unset",
    "src/core/env.ts",
    'typeof value === "number" || typeof value === "boolean" || Array.isArray(value)',
    "false",
    ["test/config/typed-vars.test.ts"],
  ),
  change(
    "a delivery's timeout runs while it waits for a connection",
    "src/delivery/attempt.ts",
    "const { at, result } = await context.connections.run(async () => ({",
    "const { at, result } = await (async (work: () => Promise<{ at: number; result: AttemptResult }>) => work())(async () => ({",
    ["test/delivery/six-connections.test.ts"],
  ),
  change(
    "the gate lets every delivery through at once",
    "src/lib/connections.ts",
    "if (this.#open < this.size) this.#open += 1;",
    "if (this.#open < Infinity) this.#open += 1;",
    ["test/delivery/six-connections.test.ts"],
  ),
  change(
    "a full sendBatch leaves no room for Queues' metadata",
    "src/lib/limits.ts",
    "const QUEUE_MESSAGE_ENVELOPE_BYTES = 150;",
    "const QUEUE_MESSAGE_ENVELOPE_BYTES = 60;",
    ["test/queue/batch-envelope.test.ts"],
  ),
  change(
    "template values keep their line breaks",
    "src/delivery/chat/template.ts",
    'cutChars(oneLine(textAt(event, path) ?? ""), MAX_VALUE_CHARS),',
    'cutChars(textAt(event, path) ?? "", MAX_VALUE_CHARS),',
    ["test/delivery/chat-markup-provider-text.test.ts"],
  ),
  change(
    "bidi controls stay in chat text",
    "src/delivery/chat/fit.ts",
    '.replace(/[\\u202a-\\u202e\\u2066-\\u2069]/g, "")',
    "",
    ["test/delivery/chat-markup-provider-text.test.ts"],
  ),
  {
    name: "a file's language tag may hold _",
    changes: [
      {
        file: "src/delivery/chat/event-fields.ts",
        find: 'const lang = textAt(file, "lang")?.replace(/_/g, "-");',
        replace: 'const lang = textAt(file, "lang");',
      },
      { file: "src/delivery/chat/event-fields.ts", find: "/^[A-Za-z0-9-]{1,16}$/", replace: "/^[A-Za-z0-9_-]{1,16}$/" },
    ],
    tests: ["test/delivery/chat-markup-provider-text.test.ts"],
  },
  {
    name: "the console shows bidi controls unisolated",
    changes: [
      {
        file: "public/console/dom.js",
        find: "element.append(child instanceof Node ? child : isolated(String(child)));",
        replace: "element.append(child instanceof Node ? child : String(child));",
      },
    ],
    tests: ["test/e2e/console-bidi.test.ts"],
    project: "e2e",
  },
  change(
    "an interrupted resume forgets its pause",
    "src/delivery/dead-letters/resume.ts",
    "if (sofar.paused || sofar.stored) await endPage(env, targetId, sofar, { replayed, remaining: true }, from, report);",
    "",
    ["test/delivery/bad-day-resume-report.test.ts"],
  ),
  change(
    "a fresh message ignores the targets already served",
    "src/delivery/fan-out.ts",
    "new Set(known.served.get(id))",
    "new Set<string>()",
    ["test/delivery/bad-day-served-marker.test.ts"],
  ),
  change(
    "an event logged again replaces its request counts",
    "src/event-log/journal.ts",
    "'$.n', coalesce(o.value ->> 'n', 0) + coalesce(e.value ->> 'n', 0),",
    "'$.n', coalesce(e.value ->> 'n', 0),",
    ["test/event-log/fan-out-again.test.ts"],
  ),
  change(
    "retention takes 20 chunks whatever the counters write",
    "src/event-log/retention.ts",
    "export const MAX_CHUNKS = Math.floor(",
    "export const MAX_CHUNKS = 20 + 0 * Math.floor(",
    ["test/event-log/retention-budget.test.ts"],
  ),
  change(
    "the URL of a target of unknown kind is shown in clear",
    "src/admin/mask.ts",
    'const webhook = kind === undefined || kind === "webhook";',
    'const webhook = typeof kind !== "string" || !Object.hasOwn(URL_TOKENS, kind);',
    ["test/admin/targets.test.ts"],
  ),
  change(
    "any text Date.parse reads is a provider time",
    "src/lib/time.ts",
    "return ZONED.test(value) ? isoTime(Date.parse(value)) : undefined;",
    "return isoTime(Date.parse(value));",
    ["test/providers/provider-time-text.test.ts"],
  ),
  change(
    "stats say nothing of an invalid targets document",
    "src/admin/stats.ts",
    "if (loaded === undefined || loaded.ok) return null;",
    "return null;",
    ["test/admin/stats-invalid-targets.test.ts"],
  ),
  change(
    "a failed chat answer is not kept",
    "src/delivery/chat/send-chat.ts",
    'if (shown === "") return result;',
    "return result;",
    ["test/delivery/chat-response-excerpt.test.ts"],
  ),
  change(
    "a whsec_ secret of 4n+1 base64 characters is taken",
    "src/config/targets-schema.ts",
    "/^whsec_(?:[A-Za-z0-9+/]{4}){4,}(?:[A-Za-z0-9+/]{2,3})?={0,2}$/,",
    "/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/,",
    ["test/config/unsignable-secret.test.ts"],
  ),
  change(
    "the dead-letter queue splits a batch's bundles all at once",
    "src/delivery/dead-letters/dlq-consumer.ts",
    "await splitInTurn(message as Message<EventsMessage>);",
    "await splitBundle(message as Message<EventsMessage>, env);",
    ["test/pipeline/split-in-turn.test.ts"],
  ),
  change(
    "a chat URL of another shape is shown in clear",
    "src/admin/mask.ts",
    "(pattern?.exec(url) ?? PAST_THE_HOST.exec(url))",
    "pattern?.exec(url)",
    ["test/admin/targets.test.ts"],
  ),
  change(
    "stats count rows past retention",
    "src/admin/stats.ts",
    "Math.max(since, retainedSince(c.env, now))",
    "since",
    ["test/admin/stats.test.ts"],
  ),
  change(
    "the paused list ends after its first page",
    "src/delivery/pauses.ts",
    "cursor: page.list_complete ? null : page.cursor,",
    "cursor: null,",
    ["test/admin/pause-resume.test.ts"],
  ),
  change(
    "a paged replay walks again from the first key on every call",
    "src/delivery/dead-letters/replay-pages.ts",
    "...(cursor === undefined ? {} : { next: cursor }),",
    "",
    ["test/admin/replay-cursor.test.ts"],
  ),
  change(
    "a resume carries an old cursor into a new pause",
    "src/delivery/dead-letters/resume.ts",
    "const from = sofar.paused ? undefined : sofar.cursor;",
    "const from = sofar.cursor;",
    ["test/admin/replay-cursor.test.ts"],
  ),
  change(
    "a stored cursor KV no longer takes fails every call",
    "src/delivery/dead-letters/replay-pages.ts",
    "if (cursor === undefined || cursor !== from ||",
    "if (true ||",
    ["test/admin/replay-cursor.test.ts"],
  ),
  change("delivery follows redirects", "src/delivery/send.ts", '      redirect: "manual",\n', "", [
    "test/delivery/send.test.ts",
  ]),
  change("Huawei link-config follows redirects", "src/admin/huawei-link-config.ts", '    redirect: "manual",\n', "", [
    "test/admin/huawei.test.ts",
  ]),
  tenfold("QUEUE_MESSAGE_BYTES", "128_000", ["test/pipeline/spill.test.ts", "test/pipeline/largest-callbacks.test.ts"]),
  tenfold("QUEUE_BATCH_MESSAGES", "100", ["test/pipeline/spill.test.ts", "test/admin/resume-pages.test.ts"]),
  tenfold("QUEUE_BATCH_BYTES", "256_000", ["test/delivery/fan-out.test.ts", "test/delivery/fan-out-limits.test.ts"]),
  tenfold("QUEUE_MAX_DELAY_SECONDS", "43_200", ["test/delivery/retry.test.ts", "test/delivery/deliver.test.ts"]),
  tenfold("KV_BULK_GET_KEYS", "100", ["test/delivery/fan-out-limits.test.ts", "test/admin/resume-pages.test.ts"]),
  tenfold("KV_LIST_KEYS", "1000", ["test/admin/resume-pages.test.ts", "test/admin/bulk-replay.test.ts"]),
  tenfold("D1_BOUND_PARAMETERS", "100", ["test/event-log/consumer.test.ts", "test/event-log/refusals.test.ts"]),
  tenfold("D1_PATTERN_BYTES", "50", ["test/admin/events.test.ts"]),
  tenfold("FREE_OPERATIONS_PER_INVOCATION", "50", [
    "test/admin/resume-pages.test.ts",
    "test/admin/bulk-replay.test.ts",
    "test/pipeline/spill.test.ts",
  ]),
  change(
    "INLINE_TARGETS_PER_EVENT raised tenfold",
    "src/lib/limits.ts",
    "(MESSAGE_OPERATION_BUDGET - FAN_OUT_MESSAGE_OPERATIONS) / INLINE_TARGET_OPERATIONS,",
    "((MESSAGE_OPERATION_BUDGET - FAN_OUT_MESSAGE_OPERATIONS) / INLINE_TARGET_OPERATIONS) * 10,",
    ["test/delivery/fan-out-limits.test.ts"],
  ),
  change(
    "an inline target is counted at three operations (attempt, pause, kept letter)",
    "src/lib/limits.ts",
    "(MESSAGE_OPERATION_BUDGET - FAN_OUT_MESSAGE_OPERATIONS) / INLINE_TARGET_OPERATIONS,",
    "(MESSAGE_OPERATION_BUDGET - FAN_OUT_MESSAGE_OPERATIONS) / 3,",
    ["test/delivery/fan-out-limits.test.ts"],
  ),
  change(
    "a Tencent event name is kept whatever its length",
    "src/providers/tencent-meeting/callback.ts",
    "const name = await cutText(event, EVENT_NAME_CHARS, EVENT_NAME_KEPT);",
    "const name = event;",
    ["test/providers/tencent-meeting-event-name.test.ts", "test/pipeline/expanding-callbacks.test.ts"],
  ),
  change(
    "a callback spilled for its split carries its events too",
    "src/queue/enqueue.ts",
    "callback: await spillCallback(state, origin),",
    "callback: await spillCallback(state, { ...origin, events } as CallbackOrigin),",
    ["test/pipeline/expanding-callbacks.test.ts"],
  ),
  change(
    "a spilled callback is normalized again with the split's time, not ingest's",
    "src/queue/callback-spill.ts",
    "normalizedEvents(adapter, origin.verified, receivedAt, origin.source);",
    "normalizedEvents(adapter, origin.verified, Date.now(), origin.source);",
    ["test/pipeline/expanding-callbacks.test.ts"],
  ),
  change(
    "Tencent Meeting's signature is not checked",
    "src/providers/tencent-meeting/verify.ts",
    'if (credential === undefined) return reject(401, "signature mismatch");',
    "",
    ["test/providers/tencent-meeting.test.ts", "test/ingest/tencent-meeting.test.ts"],
  ),
  change(
    "Tencent Whiteboard's Sign is not checked",
    "src/providers/tencent-whiteboard/verify.ts",
    'if (credential === undefined) return reject(401, "Sign mismatch");',
    "",
    ["test/providers/tencent-whiteboard.test.ts", "test/ingest/tencent-whiteboard.test.ts"],
  ),
  change(
    "Yunhuni's token is not checked",
    "src/providers/yunhuni/verify.ts",
    'if (credential === undefined) return reject(401, "token mismatch");',
    "",
    ["test/providers/yunhuni.test.ts", "test/ingest/yunhuni.test.ts"],
  ),
  change(
    "the dedup marker is never written",
    "src/delivery/dedup.ts",
    'await state.put(PREFIX + eventId, "1", { expirationTtl: Math.max(60, ttlSeconds) });',
    "void state;",
    ["test/delivery/fan-out.test.ts", "test/pipeline/end-to-end.test.ts"],
  ),
  change(
    "a relay event reaches a target that does not name relay.*",
    "src/delivery/match.ts",
    "(pattern) => pattern.startsWith(OWN_EVENT_PREFIX) && globMatches(pattern, event.type),",
    "(pattern) => globMatches(pattern, event.type),",
    ["test/delivery/relay-events.test.ts", "test/delivery/chat-content.test.ts"],
  ),
  change(
    "Yunhuni's allow-list is not checked",
    "src/providers/yunhuni/verify.ts",
    "if (allowList !== undefined && !isAllowed(allowList, request.clientIp)) {",
    "if (false) {",
    ["test/providers/yunhuni.test.ts", "test/ingest/yunhuni.test.ts"],
  ),
  change(
    "a paused target is delivered",
    "src/delivery/fan-out.ts",
    "const held = inline.filter((target) => paused.has(target.id));\n  const wanted = inline.filter((target) => !paused.has(target.id));",
    "const held: Target[] = [];\n  const wanted = inline;",
    ["test/delivery/pause.test.ts"],
  ),
  change(
    "an admin body over its cap is read",
    "src/admin/params.ts",
    "readBodyCapped(c.req.raw, maxBytes)",
    "readBodyCapped(c.req.raw, maxBytes * 1000)",
    ["test/admin/body-limit.test.ts"],
  ),
  {
    name: "dead letters are listed whatever their reason",
    changes: [
      {
        file: "src/delivery/dead-letters/store.ts",
        find: "(key) => mayBeWanted(key.metadata, { reason })",
        replace: "() => true",
      },
      {
        file: "src/delivery/dead-letters/store.ts",
        find: "isWanted(letter, { reason }) ?",
        replace: "true ?",
      },
    ],
    tests: ["test/admin/dead-letters.test.ts"],
  },
  change(
    "a webhook path's percent-escapes are not decoded",
    "src/ingest/routes.ts",
    "    return decodeURIComponent(segment);",
    "    return segment;",
    ["test/ingest/webhook-route.test.ts"],
  ),
  change(
    "the nesting pre-check clears a body with one bracket more than the limit",
    "src/lib/json-depth.ts",
    "if (openingBrackets(text, limit + 1) <= limit) return false;",
    "if (openingBrackets(text, limit + 1) <= limit + 1) return false;",
    ["test/robustness/odd-input.test.ts"],
  ),
  change(
    "a dead letter without its event is taken for one the relay wrote",
    "src/delivery/dead-letters/store.ts",
    'isRecord(value.event) &&\n    typeof value.event.id === "string"',
    "true",
    ["test/admin/dead-letters.test.ts", "test/admin/bulk-replay.test.ts"],
  ),
  change(
    "a bulk KV read parses JSON, so one record put by hand fails the others",
    "src/lib/kv.ts",
    'chunks.map((keys) => kv.get(keys, "text"))',
    'chunks.map((keys) => kv.get(keys, "json"))',
    ["test/admin/pause-resume.test.ts", "test/admin/dead-letters.test.ts"],
  ),
  change(
    "resuming reads a pause record put by hand as JSON",
    "src/delivery/dead-letters/resume.ts",
    'await env.RELAY_STATE.get(keys, "text")',
    'await env.RELAY_STATE.get(keys, "json")',
    ["test/delivery/relay-events-admin.test.ts"],
  ),
  change(
    "chat markdown links where a client ignores backslash escapes",
    "src/delivery/chat/escape.ts",
    ".replace(LINK_JOINT,",
    ".replace(/(?!)/g,",
    ["test/delivery/chat-formats.test.ts"],
  ),
  change(
    "a targets document nested thousands deep goes on to masking and validation",
    "src/config/validate-targets.ts",
    "if (!valueNestsDeeperThan(document, MAX_JSON_DEPTH)) return undefined;",
    "return undefined;",
    ["test/admin/targets.test.ts"],
  ),
  change(
    "an invalid stored document nested thousands deep is laid out by a recursive walk",
    "src/admin/invalid-targets.ts",
    "if (!parsed.ok || nestingProblem(parsed.value)) {",
    "if (!parsed.ok) {",
    ["test/admin/targets.test.ts"],
  ),
  change(
    "one queue message without its event goes into the batch with the good ones",
    "src/delivery/consumer.ts",
    "if (unreadable !== undefined) {",
    "if (unreadable === 'never') {",
    ["test/delivery/malformed-messages.test.ts"],
  ),
  change(
    "an event without its data passes for one the relay wrote",
    "src/queue/message-shape.ts",
    'if (!isRecord(event.data)) return "an event without its data";',
    "",
    ["test/delivery/malformed-messages.test.ts"],
  ),
  change(
    "a delivery without its first attempt's time keeps no time",
    "src/queue/message-shape.ts",
    "if (!isTime(body.firstAttemptAt)) body.firstAttemptAt = sent;",
    "",
    ["test/delivery/malformed-messages.test.ts"],
  ),
  change(
    "a search prefix is measured in UTF-16 units where SQLite counts characters",
    "src/event-log/queries.ts",
    "const chars = (text: string) => Array.from(text).length;",
    "const chars = (text: string) => text.length;",
    ["test/admin/events.test.ts"],
  ),
  change(
    "the dead-letter list ignores a parameter it does not know",
    "src/admin/dead-letters.ts",
    'onlyParams(c.req.query(), ["target", "reason", "cursor", "limit"]);',
    "",
    ["test/admin/dead-letters.test.ts"],
  ),
  change(
    "an unparsed targets text is cut at each id, so a kind written before it leaves a chat token shown",
    "src/admin/invalid-targets.ts",
    "return targetSpans(text)",
    'return text.split(/(?="id"\\s*:)/)',
    ["test/admin/targets.test.ts"],
  ),
  change(
    "a fan-out spills a large event only after its attempts",
    "src/delivery/fan-out.ts",
    "matching.length > 1 && messageBytes(event) * matching.length > BATCH_BYTES_BUDGET",
    "false",
    ["test/delivery/fan-out-kv-outage.test.ts"],
  ),
  change(
    "two 410s of one batch each write the target's pause",
    "src/delivery/dead-letters/hold.ts",
    "if (pausingNow === undefined && !paused.has(burial.target)) {",
    "if (!paused.has(burial.target)) {",
    ["test/delivery/pause-once.test.ts"],
  ),
  change(
    "a Slack header is sent as long as the title makes it",
    "src/delivery/chat/slack.ts",
    "escapedWithin(content.title, slackText, SLACK_HEADER_CHARS)",
    "slackText(content.title)",
    ["test/delivery/chat-formats.test.ts"],
  ),
  change(
    "a chat field limit is measured before escaping lengthens it",
    "src/delivery/chat/fit.ts",
    "if (escapeText(cutChars(text, middle)).length <= max) fits = middle;",
    "if (cutChars(text, middle).length <= max) fits = middle;",
    ["test/delivery/chat-fit.test.ts", "test/delivery/chat-formats.test.ts"],
  ),
  change(
    "a chat message shrinks by UTF-16 units while it cuts characters",
    "src/delivery/chat/fit.ts",
    ".map(charCount));",
    ".map((text) => text.length));",
    ["test/delivery/chat-formats.test.ts"],
  ),
  change(
    "a chat message's headline-alone fallback is sent unchecked",
    "src/delivery/chat/fit.ts",
    "    if (size(message) <= max) return message;\n  }\n  throw",
    "    return message;\n  }\n  throw",
    ["test/delivery/chat-fit.test.ts"],
  ),
];
