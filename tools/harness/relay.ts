import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.ts";
import { stopGroup, track } from "./processes.ts";
import { waitFor } from "./wait.ts";
import { PROJECT_ROOT, WRANGLER_CLI, wrangler, wranglerEnv } from "./wrangler.ts";

export interface RelayOptions {
  /** Plain vars, passed as `--var NAME:VALUE`; they override `[vars]` in wrangler.toml. */
  vars?: Record<string, string>;
  /**
   * Secrets, written to a temporary env file passed with `--env-file`, so the
   * developer's own `.dev.vars` and `.env` are never read.
   */
  secrets?: Record<string, string>;
  /** KV entries written with `wrangler kv key put --local` before the relay starts. */
  kv?: KvEntry[];
  /** Default: a free port on 127.0.0.1. */
  port?: number;
  /** Local state (KV, queues, D1 with the event log's migrations applied). Default: a fresh temporary directory, removed by `stop()`. */
  persistTo?: string;
  /** How long to wait for `/healthz` to answer 200; default 60 s. */
  readyTimeoutMs?: number;
}

export interface KvEntry {
  /** A KV binding of wrangler.toml, e.g. `RELAY_CONFIG`. */
  binding: string;
  key: string;
  value: string;
}

export interface Relay {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  persistTo: string;
  /** `fetch` against the relay: `relay.fetch("/healthz")`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** An admin API call with `Authorization: Bearer <ADMIN_TOKEN>` (from `secrets`); JSON bodies are serialized. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  /** Everything wrangler printed so far (stdout and stderr). */
  output(): string;
  /** The relay's structured log lines (one JSON object per line) printed so far. */
  logLines(): Record<string, unknown>[];
  /** Stops wrangler and workerd (the whole process group) and removes temporary files. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Runs the real relay with `wrangler dev` on 127.0.0.1, local KV and Queues in a
 * temporary directory, and waits until `GET /healthz` answers. Always pair with
 * `stop()` (for instance in `afterAll`); processes left behind by a crashed test
 * run are killed when the Node process exits.
 */
export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  requireNode22();
  const scratch = await mkdtemp(join(tmpdir(), "meeting-relay-e2e-"));
  const persistTo = options.persistTo ?? join(scratch, "state");
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  const envFile = join(scratch, "secrets.env");
  await writeFile(envFile, dotenv(options.secrets ?? {}), { mode: 0o600 });

  await applyMigrations(persistTo, scratch);
  if (options.kv?.length) await putKv(options.kv, persistTo, scratch);

  const args = [
    "--no-warnings",
    WRANGLER_CLI,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistTo,
    "--env-file",
    envFile,
    "--show-interactive-dev-session=false",
    // The default level ("log") keeps the worker's console.log lines, which logLines() reads.
    ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  // Its own process group, so stop() can end wrangler and the workerd it starts together.
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: wranglerEnv(scratch),
    detached: true,
    windowsHide: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  track(child);

  const url = `http://127.0.0.1:${port}`;
  const adminToken = options.secrets?.ADMIN_TOKEN;
  let stopped = false;
  const relay: Relay = {
    url,
    port,
    persistTo,
    fetch: (path, init) => fetch(`${url}${path}`, init),
    admin(method, path, body) {
      if (adminToken === undefined) throw new Error("startRelay: pass secrets.ADMIN_TOKEN to use relay.admin()");
      return fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
    },
    output: () => output,
    logLines: () => jsonLines(output),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopGroup(child);
      await rm(scratch, { recursive: true, force: true });
    },
  };

  try {
    await waitFor(
      `the relay to answer GET ${url}/healthz`,
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `wrangler dev exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`,
          );
        }
        try {
          // Short per-probe timeout: something else listening on the port may never answer.
          return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).status === 200;
        } catch {
          return false;
        }
      },
      { timeoutMs: options.readyTimeoutMs ?? 60_000, intervalMs: 100, explain: () => output },
    );
  } catch (error) {
    await relay.stop();
    throw error;
  }
  return relay;
}

/** Creates the event log's tables (D1 `RELAY_LOG`) in local state, as `npm run dev` does; a no-op once applied. */
export async function applyMigrations(persistTo: string, scratch = tmpdir()): Promise<void> {
  await wrangler(["d1", "migrations", "apply", "RELAY_LOG", "--local", "--persist-to", persistTo], scratch);
}

/** Writes KV entries into local state with `wrangler kv key put --local` (the relay must not be running on it). */
export async function putKv(entries: KvEntry[], persistTo: string, scratch = tmpdir()): Promise<void> {
  for (const { binding, key, value } of entries) {
    await wrangler(
      ["kv", "key", "put", key, value, "--binding", binding, "--local", "--persist-to", persistTo],
      scratch,
    );
  }
}

function dotenv(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}\n`)
    .join("");
}

function jsonLines(output: string): Record<string, unknown>[] {
  return output.split(/\r?\n/).flatMap((line) => {
    const trimmed = line.trim();
    if (!trimmed.startsWith("{")) return [];
    try {
      return [JSON.parse(trimmed) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

function requireNode22(): void {
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 22) {
    throw new Error(
      `wrangler needs Node >= 22 and this is ${process.version}: run through npm test or npx, which use node_modules/.bin/node`,
    );
  }
}
