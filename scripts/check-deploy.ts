/**
 * `npm run check-deploy [-- --config <wrangler.toml>]`: what would stop the relay from working once
 * deployed, found before `wrangler deploy` (which `npm run deploy` runs only when this passes):
 * the placeholder KV and D1 ids this repository ships with, and vars that production must not have.
 * Each problem names the command that fixes it (docs/deploy.md has the whole path).
 */
import { parseArgs } from "node:util";
import { unstable_readConfig } from "wrangler";

/** The ids wrangler.toml ships with: zeros and a last digit, never a real namespace or database. */
const PLACEHOLDER = /^0{8}-?0{4}-?0{4}-?0{4}-?0{11}\d$/;

const CREATE: Record<string, string> = {
  RELAY_CONFIG: "npx wrangler kv namespace create RELAY_CONFIG",
  RELAY_STATE: "npx wrangler kv namespace create RELAY_STATE",
};

function deployProblems(configPath: string): string[] {
  const config = unstable_readConfig({ config: configPath });
  const problems: string[] = [];
  for (const { binding, id } of config.kv_namespaces) {
    if (id === undefined || PLACEHOLDER.test(id)) {
      problems.push(
        `KV ${binding}: id is still the placeholder ${id ?? "(none)"}; run \`${CREATE[binding] ?? `npx wrangler kv namespace create ${binding}`}\` and put the id it prints in wrangler.toml`,
      );
    }
  }
  for (const { binding, database_name, database_id } of config.d1_databases) {
    if (database_id === undefined || PLACEHOLDER.test(database_id)) {
      problems.push(
        `D1 ${binding}: database_id is still the placeholder ${database_id ?? "(none)"}; run \`npx wrangler d1 create ${database_name}\` and put the database_id it prints in wrangler.toml`,
      );
    }
  }
  const vars = config.vars as Record<string, unknown>;
  if (vars.ALLOW_INSECURE_TARGETS === "true") {
    problems.push('[vars] ALLOW_INSECURE_TARGETS is "true": that is for local development only; set it to "false"');
  }
  const window = Number(vars.REPLAY_WINDOW_SECONDS ?? 86_400);
  const dedup = Number(vars.DEDUP_TTL_SECONDS ?? 86_400);
  if (window > dedup) {
    problems.push(
      `[vars] REPLAY_WINDOW_SECONDS (${window}) is longer than DEDUP_TTL_SECONDS (${dedup}): the relay answers every callback 503 until the window is at most the dedup TTL`,
    );
  }
  return problems;
}

function main(): number {
  const { values } = parseArgs({ options: { config: { type: "string", default: "wrangler.toml" } } });
  const problems = deployProblems(values.config);
  if (problems.length === 0) {
    console.log(
      `${values.config}: ready to deploy (npm run deploy). Secrets are checked by the relay itself: see /healthz.`,
    );
    return 0;
  }
  console.error(`${values.config}: not ready to deploy (docs/deploy.md walks through each step):`);
  for (const problem of problems) console.error(`- ${problem}`);
  return 1;
}

process.exitCode = main();
