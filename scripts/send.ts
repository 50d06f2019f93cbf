/**
 * `npm run send -- <platform> [--account <name>] [--event <event>] [--url <relay>] [--vars <file>]`:
 * sends one correctly signed sample callback of a platform to a running relay (by default
 * `npm run dev`'s, http://127.0.0.1:8787) and prints what it answered. The credentials are the ones
 * the relay runs with: `.dev.vars` (or the file `--vars` names); for `--account acme` the
 * `_ACME` names, and a Tencent Meeting account with an EncodingAESKey gets an encrypted callback.
 * Exits 0 when the relay answered exactly as the platform expects, 1 otherwise, 2 for a usage error.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, parseEnv } from "node:util";
import { ACCOUNT_PATTERN } from "../src/config/account-name.ts";
import { PROJECT_ROOT } from "../tools/harness/index.ts";
import {
  huaweiMeetingCallback,
  PROVIDER_NAMES,
  type Provider,
  type SignedCallback,
  sendCallback,
  tencentMeetingCallback,
  whiteboardCallback,
  yunhuniCallback,
} from "../tools/harness/samples.ts";
import { encryptedTencentCallback } from "../tools/harness/tencent-meeting.ts";

const USAGE = `usage: npm run send -- <platform> [--account <name>] [--event <event>] [--url <relay>] [--vars <file>]
  platform   ${PROVIDER_NAMES.join(" | ")}
  --account  an account route (/webhooks/<platform>/<name>), signed with its _<NAME> credentials
  --event    the platform's event name (default: a meeting starting, or a whiteboard transcode finishing)
  --url      the relay (default http://127.0.0.1:8787, as npm run dev serves it)
  --vars     the relay's secrets (default .dev.vars, as npm run dev reads them)`;

const DEFAULT_EVENTS: Record<Provider, string> = {
  "tencent-meeting": "meeting.started",
  "huawei-meeting": "meeting.started",
  yunhuni: "conf.create.succ",
  "tencent-whiteboard": "TranscodeFinished",
};

/** A .dev.vars file, read as wrangler dev reads it (dotenv: quotes optional, # comments, also after a value). */
function readVars(path: string): Record<string, string> {
  return parseEnv(readText(path)) as Record<string, string>;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function needed(vars: Record<string, string>, name: string, file: string): string {
  const value = vars[name];
  if (value === undefined || value === "") throw new UsageError(`${name} is not set in ${file}`);
  return value;
}

class UsageError extends Error {}

function callbackFor(
  provider: Provider,
  event: string,
  account: string | undefined,
  vars: Record<string, string>,
  file: string,
): SignedCallback {
  const suffix = account === undefined ? "" : `_${account.toUpperCase()}`;
  const secret = (name: string) => needed(vars, `${name}${suffix}`, file);
  const now = Date.now();
  const meeting = { meeting_id: "6058890385480921052", meeting_code: "530812452", subject: "周会：产品评审" };
  switch (provider) {
    case "tencent-meeting": {
      const callback = { event, trace_id: randomUUID(), payload: [{ operate_time: now, meeting_info: meeting }] };
      const encodingAesKey = vars[`TENCENT_MEETING_ENCODING_AES_KEY${suffix}`];
      if (encodingAesKey && account !== undefined) {
        const token = secret("TENCENT_MEETING_TOKEN");
        return encryptedTencentCallback({ account, token, encodingAesKey }, callback, now);
      }
      return tencentMeetingCallback(credentials({ tencentToken: secret("TENCENT_MEETING_TOKEN") }), callback, now);
    }
    case "huawei-meeting": {
      const keys = { huaweiAppId: secret("HUAWEI_MEETING_APP_ID"), huaweiAppKey: secret("HUAWEI_MEETING_APP_KEY") };
      const eventInfo = { event, timestamp: now, payload: { meetingInfo: { meetingID: "989156085" } } };
      return huaweiMeetingCallback(credentials(keys), eventInfo, now);
    }
    case "yunhuni":
      return yunhuniCallback(credentials({ yunhuniToken: secret("YUNHUNI_TOKEN") }), {
        event,
        id: randomUUID().replace(/-/g, ""),
        begin_time: now,
        user_data: null,
      });
    case "tencent-whiteboard":
      return whiteboardCallback(
        credentials({ whiteboardKey: secret("TIW_CALLBACK_KEY") }),
        event,
        { TaskId: `send-${randomUUID().slice(0, 8)}`, Progress: 100, Title: "示例.pptx" },
        now,
      );
  }
}

function credentials(values: Partial<Parameters<typeof huaweiMeetingCallback>[0]>) {
  return { tencentToken: "", huaweiAppId: "", huaweiAppKey: "", yunhuniToken: "", whiteboardKey: "", ...values };
}

/**
 * The builders sign for the base route (`/webhooks/<platform>`; the encrypted one for the account route
 * already): an account route adds its segment before the query.
 */
function onAccount(callback: SignedCallback, account: string | undefined): SignedCallback {
  const [path = "", query] = callback.path.split("?");
  if (account === undefined || path.split("/").length > 3) return callback;
  return { ...callback, path: `${path}/${account}${query === undefined ? "" : `?${query}`}` };
}

function parseArguments() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        account: { type: "string" },
        event: { type: "string" },
        url: { type: "string", default: "http://127.0.0.1:8787" },
        vars: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Checked before a callback is built: a URL error would otherwise show the path, Yunhuni's token included. */
function relayUrl(text: string): string {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url?.protocol !== "http:" && url?.protocol !== "https:") {
    throw new UsageError(`--url must be an http:// or https:// address, got "${text}"`);
  }
  return text;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArguments();
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [platform] = positionals;
  if (platform === undefined) throw new UsageError("");
  if (!(PROVIDER_NAMES as readonly string[]).includes(platform)) throw new UsageError(`unknown platform "${platform}"`);
  const provider = platform as Provider;
  if (values.account !== undefined && !ACCOUNT_PATTERN.test(values.account)) {
    throw new UsageError(
      "an account is 1 to 32 of a-z, 0-9 and _ (lower case, as in the callback URL), and not previous or …_previous (those name a credential's previous value)",
    );
  }
  const relay = relayUrl(values.url);
  const file = values.vars ?? join(PROJECT_ROOT, ".dev.vars");
  if (!existsSync(file)) throw new UsageError(`${file} does not exist: run npm run dev once (it creates it)`);
  const event = values.event ?? DEFAULT_EVENTS[provider];
  const callback = onAccount(callbackFor(provider, event, values.account, readVars(file), file), values.account);
  const target = new URL(callback.path, relay);
  // The Yunhuni token rides in the query: the printed URL leaves it out.
  console.log(`POST ${target.origin}${target.pathname}  (${callback.label})`);
  let answer: { status: number; body: string };
  try {
    answer = await sendCallback(relay, callback);
  } catch (error) {
    console.error(`no relay answered at ${relay} (${(error as Error).message}): start one with npm run dev`);
    return 1;
  }
  console.log(`→ ${answer.status} ${answer.body}`);
  const expected = answer.status === callback.expect.status && answer.body === callback.expect.body;
  console.log(
    expected
      ? "ok: the relay answered as the platform expects"
      : `not the answer the platform expects (${callback.expect.status} ${callback.expect.body}): the platform would retry`,
  );
  return expected ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) console.error(`npm run send: ${error.message}`);
    console.error(USAGE);
    process.exitCode = 2;
  },
);
