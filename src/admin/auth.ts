import type { MiddlewareHandler } from "hono";
import { type Env, readSetting } from "../core/env";
import { RelayError } from "../core/errors";
import { equalSecret } from "../lib/crypto";

/** A shorter token can be guessed: the admin API stays off until ADMIN_TOKEN is at least this long. */
const MIN_ADMIN_TOKEN_CHARS = 32;

/**
 * `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time (both sides
 * hashed first, so length does not leak). No ADMIN_TOKEN set, or one shorter than
 * {@link MIN_ADMIN_TOKEN_CHARS}: the admin API is off (503 saying why, to anyone, since it grants nothing).
 */
export const requireAdmin: MiddlewareHandler<{ Bindings: Env }> = async (c, next) => {
  const expected = readSetting(c.env, "ADMIN_TOKEN");
  if (expected === undefined)
    throw new RelayError(503, "admin_disabled", "the admin API is disabled: ADMIN_TOKEN is not set");
  if (expected.length < MIN_ADMIN_TOKEN_CHARS) {
    throw new RelayError(
      503,
      "admin_disabled",
      `the admin API is disabled: ADMIN_TOKEN is shorter than ${MIN_ADMIN_TOKEN_CHARS} characters; set a longer one with npx wrangler secret put ADMIN_TOKEN`,
    );
  }
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match || !(await equalSecret(match[1] ?? "", expected))) {
    throw new RelayError(
      401,
      "unauthorized",
      "missing or wrong admin bearer token: send Authorization: Bearer <ADMIN_TOKEN> (set with npx wrangler secret put ADMIN_TOKEN; locally in .dev.vars)",
      {
        headers: { "www-authenticate": 'Bearer realm="meeting-relay admin"' },
      },
    );
  }
  await next();
};
