import * as v from "valibot";

/** Provider names a target may filter on. */
export const PROVIDER_NAMES = ["tencent-meeting", "huawei-meeting", "yunhuni", "tencent-whiteboard"] as const;

/**
 * One downstream HTTP target (SPEC "Targets"). The editor JSON Schema in
 * `schema/targets.schema.json` is generated from this (`npm run schema`).
 */
export const TargetSchema = v.strictObject({
  id: v.pipe(
    v.string(),
    v.regex(/^[a-z0-9_-]{1,64}$/, "id must be 1 to 64 characters of a-z, 0-9, _ and -"),
    v.description("Unique id of the target: 1 to 64 of a-z, 0-9, _ and -."),
  ),
  url: v.pipe(
    v.string(),
    v.url("url must be an absolute URL"),
    v.description("Where events are POSTed. https:// only (http://localhost with ALLOW_INSECURE_TARGETS=true)."),
  ),
  secret: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, "secret must be whsec_ followed by at least 16 base64 characters"),
      v.description("Standard Webhooks signing secret: whsec_ + base64. Omit to send unsigned."),
    ),
  ),
  types: v.optional(
    v.pipe(
      v.array(v.pipe(v.string(), v.minLength(1, "a type pattern must not be empty"))),
      v.description('Event type globs, "*" matches anything (e.g. "meeting.*"). Absent means all.'),
    ),
  ),
  providers: v.optional(
    v.pipe(v.array(v.picklist(PROVIDER_NAMES, "unknown provider")), v.description("Absent means all providers.")),
  ),
  headers: v.optional(
    v.pipe(v.record(v.string(), v.string()), v.description("Static headers sent with every delivery.")),
  ),
  timeoutMs: v.optional(
    v.pipe(
      v.number(),
      v.integer("timeoutMs must be a whole number"),
      v.minValue(100, "timeoutMs must be at least 100"),
      v.maxValue(30_000, "timeoutMs must be at most 30000"),
      v.description("Milliseconds to wait for a 2xx; default 10000."),
    ),
  ),
  enabled: v.optional(v.pipe(v.boolean(), v.description("false pauses deliveries to this target."))),
});

export const TargetsSchema = v.pipe(
  v.array(TargetSchema),
  v.description("meeting-relay targets (KV RELAY_CONFIG, key targets)"),
);

export type Target = v.InferOutput<typeof TargetSchema>;
