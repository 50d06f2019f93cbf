import { Hono } from "hono/tiny";
import { credentialsSet, knownAccounts, missingCredentials } from "../config/account-credentials";
import type { Env } from "../core/env";
import { PROVIDER_ADAPTERS } from "../providers/registry";
import type { AdminEnv } from "./request-log";

/** `/admin/providers`: each platform's callback path, its accounts and which credentials are set (never values). */
export const providers = new Hono<AdminEnv>();

providers.get("/", (c) => c.json({ providers: providerStatus(c.env) }));

function providerStatus(env: Env) {
  return Object.fromEntries(
    PROVIDER_ADAPTERS.map((adapter) => {
      const path = `/webhooks/${adapter.name}`;
      const route = (account: string | undefined) => ({
        configured: missingCredentials(env, adapter, account).length === 0,
        credentials: credentialsSet(env, adapter, account),
      });
      const accounts = knownAccounts(env, adapter).map((name) => ({
        name,
        path: `${path}/${name}`,
        ...route(name),
      }));
      const { configured, credentials } = route(undefined);
      return [adapter.name, { configured, path, credentials, accounts }];
    }),
  );
}
