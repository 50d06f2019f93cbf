// The admin API as an OpenAPI 3.1 document, built from the valibot schemas the routes validate request
// bodies with. Not part of the Worker (nothing it runs imports this file): `npm run schema` writes it to
// public/admin/openapi.json, served as a static asset, and a test keeps that file equal to what this builds.
import { toJsonSchema } from "@valibot/to-json-schema";
import type { GenericSchema } from "valibot";
import { ACCOUNT_PATTERN } from "../config/account-name";
import { targetsJsonSchema } from "../config/targets-json-schema";
import { TARGET_ID_PATTERN } from "../config/targets-schema";
import { MAX_TARGETS_BYTES } from "../config/validate-targets";
import { ERROR_CODES, type ErrorCode } from "../core/errors";
import { VERSION } from "../core/version";
import { DEAD_LETTER_REASONS } from "../delivery/dead-letters/store";
import { BulkReplayBody, MAX_BULK_REPLAY_BODY_BYTES } from "./bulk-replay-body";
import { LinkConfigBody, MAX_LINK_CONFIG_BODY_BYTES } from "./huawei";
import { MAX_REDELIVER_BODY_BYTES, RedeliverBody } from "./redeliver";

/** Where the generated document is committed (served at /admin/openapi.json), from the repository root. */
export const OPENAPI_PATH = "public/admin/openapi.json";

type Json = Record<string, unknown>;

/**
 * A request body's JSON Schema, from the valibot schema that checks it. A `check` (a rule JSON Schema
 * cannot state, such as a real calendar time) becomes its message as a description, a transformation
 * changes nothing; any other action without an equivalent fails the build rather than loosen the
 * schema silently.
 */
function bodySchema(schema: GenericSchema): Json {
  const { $schema: _, ...json } = toJsonSchema(schema, {
    target: "draft-2020-12",
    errorMode: "throw",
    overrideAction: ({ valibotAction, jsonSchema }) => {
      // A transformation (trim) changes a valid value, it does not narrow what is valid.
      if (valibotAction.kind === "transformation") return jsonSchema;
      const message = "message" in valibotAction ? valibotAction.message : undefined;
      if (valibotAction.type === "check" && typeof message === "string") return { ...jsonSchema, description: message };
      return undefined;
    },
  });
  return json;
}

function targetsDocumentSchema(): Json {
  const { $schema: _, $comment: __, ...json } = targetsJsonSchema();
  return json;
}

// Query parameters and responses have no valibot schema (the routes check queries by hand, in
// src/admin/params.ts and beside each route): they are described here, by hand.
const TARGET_ID = { type: "string", pattern: TARGET_ID_PATTERN.source };
const TIME = {
  type: "string",
  description: "an RFC 3339 time (2026-11-25T08:00:00Z) or an age back from now (30m, 24h, 7d)",
};
const query = (name: string, schema: Json, description: string) => ({
  name,
  in: "query",
  required: false,
  schema,
  description,
});
const path = (name: string, schema: Json = { type: "string" }) => ({ name, in: "path", required: true, schema });
const limit = query("limit", { type: "integer", minimum: 1, maximum: 100, default: 50 }, "items per page");
const cursor = query("cursor", { type: "string" }, "the `cursor` of the previous page");
const page = { type: "object", required: ["items", "cursor"], properties: { items: { type: "array" }, cursor: {} } };
const anyObject = { type: "object" };
const TARGETS_REF = { $ref: "#/components/schemas/Targets" };

/** What a route may answer besides success: each status with the codes it carries. */
type Errors = Partial<Record<400 | 404 | 409 | 413 | 502 | 503, ErrorCode[]>>;

interface Operation {
  method: "get" | "put" | "post" | "delete";
  path: string;
  summary: string;
  success: [status: number, schema: Json];
  /** The body's schema, its size limit, and whether it may be left empty. */
  body?: [schema: Json, maxBytes: number, optional?: "may be empty"];
  parameters?: Json[];
  errors?: Errors;
  public?: boolean;
}

const PAGE_ERRORS: Errors = { 400: ["invalid_query"], 503: ["event_log_unavailable"] };

const OPERATIONS: Operation[] = [
  {
    method: "get",
    path: "/admin/targets",
    summary:
      "The stored targets document, secrets and header values masked; while it is invalid (header " +
      "X-Targets-Invalid: 1), an object with its text and every problem",
    success: [200, { oneOf: [TARGETS_REF, anyObject] }],
  },
  {
    method: "put",
    path: "/admin/targets",
    summary: "Validate and store a targets document (a masked value keeps the stored one)",
    body: [TARGETS_REF, MAX_TARGETS_BYTES],
    success: [200, TARGETS_REF],
    errors: { 400: ["invalid_json", "invalid_targets"], 413: ["payload_too_large"], 503: ["state_unavailable"] },
  },
  {
    method: "get",
    path: "/admin/targets/paused",
    summary: "Paused targets by id, a page at a time",
    parameters: [
      cursor,
      query("limit", { type: "integer", minimum: 1, maximum: 1000, default: 1000 }, "pauses per page"),
    ],
    success: [
      200,
      { type: "object", required: ["paused", "cursor"], properties: { paused: { type: "array" }, cursor: {} } },
    ],
    errors: { 400: ["invalid_query"] },
  },
  {
    method: "post",
    path: "/admin/targets/{id}/pause",
    summary: "Pause a target: what it would get is kept as dead letters",
    parameters: [path("id", TARGET_ID)],
    success: [202, anyObject],
    errors: { 404: ["unknown_target"], 409: ["stored_targets_invalid"], 503: ["state_unavailable"] },
  },
  {
    method: "post",
    path: "/admin/targets/{id}/resume",
    summary: "Unpause a target and replay one page of what it kept",
    parameters: [path("id")],
    success: [202, anyObject],
    errors: {
      404: ["unknown_target"],
      409: ["stored_targets_invalid"],
      503: ["queue_unavailable", "state_unavailable"],
    },
  },
  {
    method: "post",
    path: "/admin/targets/{id}/test",
    summary: "Send one relay.test event to a target now, and answer what it said",
    parameters: [path("id", TARGET_ID)],
    success: [200, anyObject],
    errors: { 404: ["unknown_target"], 409: ["stored_targets_invalid", "target_disabled"] },
  },
  {
    method: "get",
    path: "/admin/dead-letters",
    summary: "Dead letters, a page at a time",
    parameters: [
      query("target", { type: "string" }, "a target id, or *"),
      query("reason", { type: "string", enum: [...DEAD_LETTER_REASONS] }, "only the letters kept for this reason"),
      cursor,
      limit,
    ],
    success: [200, page],
    errors: { 400: ["invalid_query"] },
  },
  {
    method: "post",
    path: "/admin/dead-letters/replay",
    summary: "Replay one page of the dead letters matching a filter (an empty body: all)",
    body: [bodySchema(BulkReplayBody), MAX_BULK_REPLAY_BODY_BYTES, "may be empty"],
    success: [202, anyObject],
    errors: { 400: ["invalid_json", "invalid_body"], 413: ["payload_too_large"], 503: ["queue_unavailable"] },
  },
  {
    method: "post",
    path: "/admin/dead-letters/{id}/replay",
    summary: "Re-queue one dead letter for its target",
    parameters: [path("id")],
    success: [202, anyObject],
    errors: { 404: ["unknown_dead_letter"], 409: ["unreadable_dead_letter"], 503: ["queue_unavailable"] },
  },
  {
    method: "delete",
    path: "/admin/dead-letters/{id}",
    summary: "Discard one dead letter",
    parameters: [path("id")],
    success: [200, anyObject],
    errors: { 404: ["unknown_dead_letter"], 503: ["state_unavailable"] },
  },
  {
    method: "get",
    path: "/admin/events",
    summary: "The event log, newest first",
    parameters: [
      query("provider", { type: "string" }, "a provider name"),
      query("type", { type: "string" }, "an event type; * matches anything"),
      query("subject", { type: "string", minLength: 1, maxLength: 256 }, "the meeting, conference or task id"),
      query("target", TARGET_ID, "events that went to this target"),
      query("outcome", { type: "string" }, "events with a delivery whose latest outcome is this"),
      query(
        "q",
        { type: "string", minLength: 1, maxLength: 128 },
        "search: the event id or the meeting id, exactly or as a prefix; the meeting code as a prefix (spaces and dashes ignored); or the meeting title containing it",
      ),
      query("since", TIME, "received at or after"),
      query("until", TIME, "received before"),
      limit,
      cursor,
    ],
    success: [200, page],
    errors: PAGE_ERRORS,
  },
  {
    method: "get",
    path: "/admin/events/{id}",
    summary: "One event: the CloudEvent and every delivery attempt",
    parameters: [path("id")],
    success: [200, anyObject],
    errors: { 404: ["unknown_event"], 503: ["event_log_unavailable"] },
  },
  {
    method: "post",
    path: "/admin/events/{id}/redeliver",
    summary: "Queue a logged event again for its targets (or the ones named), bypassing dedup",
    parameters: [path("id")],
    body: [bodySchema(RedeliverBody), MAX_REDELIVER_BODY_BYTES, "may be empty"],
    success: [202, anyObject],
    errors: {
      400: ["invalid_json", "invalid_body", "unknown_target", "target_disabled"],
      404: ["unknown_event"],
      409: ["stored_targets_invalid", "no_matching_target"],
      413: ["payload_too_large"],
      503: ["queue_unavailable", "event_log_unavailable"],
    },
  },
  {
    method: "get",
    path: "/admin/stats",
    summary: "Counts per provider, per target and per hour",
    parameters: [query("since", TIME, "default: the last 24 h")],
    success: [200, anyObject],
    errors: PAGE_ERRORS,
  },
  {
    method: "post",
    path: "/admin/huawei/link-config",
    summary: "Register the relay's callback URL with Huawei Cloud Meeting",
    parameters: [query("account", { type: "string", pattern: ACCOUNT_PATTERN.source }, "a second account's name")],
    body: [bodySchema(LinkConfigBody), MAX_LINK_CONFIG_BODY_BYTES],
    success: [200, anyObject],
    errors: {
      400: ["invalid_json", "invalid_body", "invalid_account", "invalid_query"],
      413: ["payload_too_large"],
      502: ["huawei_upstream_error"],
      503: ["provider_not_configured", "relay_misconfigured"],
    },
  },
  {
    method: "get",
    path: "/admin/providers",
    summary: "Each platform's callback path, accounts, and which credentials are set (names only)",
    success: [200, anyObject],
  },
  {
    method: "get",
    path: "/admin/openapi.json",
    summary: "This document",
    success: [200, anyObject],
    public: true,
  },
];

const errorRef = { $ref: "#/components/schemas/Error" };

function operation(op: Operation): Json {
  // Every admin route may also answer 401 (no or wrong token) and 503 (the admin API is off).
  const errors: Record<string, ErrorCode[]> = op.public ? {} : { 401: ["unauthorized"], 503: ["admin_disabled"] };
  for (const [status, codes] of Object.entries(op.errors ?? {})) {
    errors[status] = [...(errors[status] ?? []), ...(codes ?? [])];
  }
  const responses: Json = { [op.success[0]]: { description: "success", content: json(op.success[1]) } };
  for (const [status, codes] of Object.entries(errors).sort()) {
    responses[status] = { description: `error: ${codes.join(", ")}`, content: json(errorRef) };
  }
  return {
    summary: op.summary,
    ...(op.public ? { security: [] } : {}),
    ...(op.parameters ? { parameters: op.parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: op.body[2] === undefined,
            description: `at most ${op.body[1]} bytes${op.body[2] === undefined ? "" : "; an empty body is {}"}`,
            content: json(op.body[0]),
          },
        }
      : {}),
    responses,
  };
}

function json(schema: Json): Json {
  return { "application/json": { schema } };
}

/** The document, the same every time it is built from the same code. */
export function openApiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) paths[op.path] = { ...paths[op.path], [op.method]: operation(op) };
  return {
    openapi: "3.1.0",
    info: {
      title: "meeting-relay admin API",
      version: VERSION,
      description:
        "Generated from the relay's request schemas by `npm run schema`; do not edit by hand. Errors are " +
        '`{"error": "…", "code": "…"}`: match on `code`, show `error`.',
    },
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "the ADMIN_TOKEN secret" } },
      schemas: {
        Targets: targetsDocumentSchema(),
        Error: {
          type: "object",
          required: ["error", "code"],
          properties: {
            error: { type: "string", description: "what is wrong and how to fix it" },
            code: { type: "string", enum: [...ERROR_CODES] },
          },
        },
      },
    },
  };
}
