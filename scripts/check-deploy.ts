/**
 * `npm run check-deploy [-- --config <wrangler.toml>]`: what would stop the relay from working once
 * deployed, found before `wrangler deploy` (which `npm run deploy` runs only when this passes):
 * the placeholder KV and D1 ids this repository ships with, and vars that production must not have.
 * Each problem names the command that fixes it (docs/deploy.md has the whole path).
 * Exits 0 when ready, 1 when not (or the config cannot be read), 2 for a usage error.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { unstable_readConfig } from "wrangler";

const USAGE = "usage: npm run check-deploy [-- --config <wrangler.toml>]";

type SettingsOf = (vars: Record<string, unknown>) => { allowInsecureTargets: boolean };

/**
 * The relay's own reading of `[vars]` (src/core/settings.ts), so that a var passes here exactly when the
 * relay takes it (quoted or not). Its modules import without file extensions, as the Worker's bundler
 * allows, so it is bundled with esbuild (wrangler's own bundler) before Node runs it.
 */
async function relaySettings(): Promise<SettingsOf> {
  const { outputFiles } = await build({
    entryPoints: [fileURLToPath(new URL("../src/core/settings.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "error",
  });
  const code = Buffer.from(outputFiles[0]?.text ?? "").toString("base64");
  const { settingsOf } = (await import(`data:text/javascript;base64,${code}`)) as { settingsOf: SettingsOf };
  return settingsOf;
}

/** The ids wrangler.toml ships with: zeros and a last digit, never a real namespace or database. */
const PLACEHOLDER = /^0{8}-?0{4}-?0{4}-?0{4}-?0{11}\d$/;

const CREATE: Record<string, string> = {
  RELAY_CONFIG: "npx wrangler kv namespace create RELAY_CONFIG",
  RELAY_STATE: "npx wrangler kv namespace create RELAY_STATE",
};

function deployProblems(configPath: string, settingsOf: SettingsOf): string[] {
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
  problems.push(...varProblems(config.vars as Record<string, unknown>, settingsOf));
  return problems;
}

/** A var the relay refuses (it then answers every callback 503), or one production must not have. */
function varProblems(vars: Record<string, unknown>, settingsOf: SettingsOf): string[] {
  try {
    if (!settingsOf(vars).allowInsecureTargets) return [];
    return ['[vars] ALLOW_INSECURE_TARGETS is "true": that is for local development only; set it to "false"'];
  } catch (error) {
    return [`[vars] ${(error as Error).message} (until then the relay answers every callback 503)`];
  }
}

async function main(): Promise<number> {
  let config: string;
  try {
    config = parseArgs({ options: { config: { type: "string", default: "wrangler.toml" } } }).values.config;
  } catch (error) {
    console.error(`npm run check-deploy: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const settingsOf = await relaySettings();
  let problems: string[];
  try {
    problems = deployProblems(config, settingsOf);
  } catch (error) {
    console.error(`${config}: cannot read it: ${(error as Error).message}`);
    return 1;
  }
  if (problems.length === 0) {
    console.log(`${config}: ready to deploy (npm run deploy). Secrets are checked by the relay itself: see /healthz.`);
    return 0;
  }
  console.error(`${config}: not ready to deploy (docs/deploy.md walks through each step):`);
  for (const problem of problems) console.error(`- ${problem}`);
  return 1;
}

process.exitCode = await main();
