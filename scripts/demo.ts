/**
 * `npm run demo`: the relay end to end on this machine. Starts the relay
 * (`wrangler dev`, local KV and Queues) and a local sink, registers the sink as
 * a target through the admin API, sends the platforms' documented sample
 * callbacks (correctly signed) from all four providers, and one encrypted Tencent
 * Meeting callback on an account route, prints every CloudEvent
 * that arrives, and what a Feishu, DingTalk, WeCom and Slack bot (local fakes that check each platform's
 * signature and shape) would show in the group, and exits: 0 when every sample arrived, 1 naming what did not.
 * It prints the console's address; with `--keep` the relay stays up until Ctrl-C. Any other option: 2.
 */
import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { type ChatBots, messageText, startChatBots } from "../tools/harness/chat-demo.ts";
import { always, type Relay, type Sink, startRelay, startSink } from "../tools/harness/index.ts";
import {
  credentialVars,
  DEMO_CREDENTIALS,
  documentedSamples,
  type SignedCallback,
  sendCallback,
} from "../tools/harness/samples.ts";
import {
  DEMO_TENCENT_ACCOUNT,
  encryptedTencentCallback,
  participantJoined,
  tencentAccountVars,
} from "../tools/harness/tencent-meeting.ts";

const ADMIN_TOKEN = "demo-admin-token-0000000000000000";
const SINK_SECRET = "whsec_ZGVtby1zaW5rLXNlY3JldC0wMTIzNDU2Nzg5";
const ARRIVAL_TIMEOUT_MS = 30_000;

interface Arrived {
  id: string;
  provider: string;
  type: string;
  subject: string | undefined;
  signatureValid: boolean;
}

async function main(): Promise<number> {
  let relay: Relay | undefined;
  let sink: Sink | undefined;
  let chat: ChatBots | undefined;
  try {
    chat = await startChatBots();
    sink = await startSink();
    sink.route("/events", always({ status: 204 }));
    console.log(`sink     ${sink.url}/events`);
    relay = await startRelay({
      vars: { ALLOW_INSECURE_TARGETS: "true", RETRY_SCHEDULE: "1,2,5" },
      secrets: { ...credentialVars(DEMO_CREDENTIALS), ...tencentAccountVars(DEMO_TENCENT_ACCOUNT), ADMIN_TOKEN },
    });
    console.log(`relay    ${relay.url}  (wrangler dev, local KV, Queues and D1)`);
    console.log(`console  ${relay.url}/console  (admin token: ${ADMIN_TOKEN}; add -- --keep to keep it running)`);

    const put = await relay.admin("PUT", "/admin/targets", [
      { id: "demo-sink", url: `${sink.url}/events`, secret: SINK_SECRET },
      ...chat.targets,
    ]);
    if (put.status !== 200) throw new Error(`PUT /admin/targets answered ${put.status}: ${await put.text()}`);
    console.log(`targets  demo-sink and ${chat.targets.map((target) => target.id).join(", ")} (local fake bots)`);
    console.log("         registered through PUT /admin/targets\n");

    // Plus one callback as Tencent Meeting sends it with an EncodingAESKey, to the account route `acme`.
    const samples = [
      ...documentedSamples(DEMO_CREDENTIALS),
      encryptedTencentCallback(DEMO_TENCENT_ACCOUNT, participantJoined(randomUUID(), "王五")),
    ];
    const failures: string[] = [];
    console.log("sending the platforms' documented sample callbacks:");
    for (const sample of samples) {
      const answer = await sendCallback(relay.url, sample);
      const ok = answer.status === sample.expect.status && answer.body === sample.expect.body;
      console.log(`  ${ok ? "✓" : "✗"} ${sample.label.padEnd(56)} → ${answer.status} ${answer.body}`);
      if (!ok)
        failures.push(
          `${sample.label}: the relay answered ${answer.status} ${answer.body}, expected ${sample.expect.body}`,
        );
    }

    const expected = samples.reduce((sum, sample) => sum + sample.events, 0);
    const arrived = await collect(sink, expected);
    console.log(`\ndelivered to the sink (${arrived.length} of ${expected}):`);
    for (const event of arrived) {
      console.log(
        `  ${event.signatureValid ? "✓" : "✗"} ${event.provider.padEnd(19)} ${event.type.padEnd(32)} subject=${event.subject ?? "-"}  id=${event.id}`,
      );
      if (!event.signatureValid) failures.push(`${event.id}: webhook-signature did not verify`);
    }
    failures.push(...missing(samples, arrived));
    failures.push(...(await showChat(chat)));
    if (failures.length > 0) {
      console.error(`\ndemo FAILED:\n${failures.map((line) => `  - ${line}`).join("\n")}`);
      return 1;
    }
    console.log(`\ndemo ok: ${samples.length} callbacks from 4 platforms → ${arrived.length} signed CloudEvents`);
    if (process.argv.includes("--keep")) await keepRunning(relay);
    return 0;
  } finally {
    await relay?.stop();
    await sink?.close();
    await chat?.close();
  }
}

/** Waits for each fake bot's first message and prints what the group would see; names a bot that got none. */
async function showChat(chat: ChatBots): Promise<string[]> {
  const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
  while (chat.bots.some((bot) => bot.received.length === 0) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const problems: string[] = [];
  console.log("\nin the chat groups (what each bot shows, first message):");
  for (const bot of chat.bots) {
    const [first] = bot.received;
    if (bot.refusals.length > 0) problems.push(`${bot.kind} refused: ${bot.refusals.join("; ")}`);
    if (first === undefined) {
      problems.push(`${bot.kind}: no message arrived`);
      continue;
    }
    const text = messageText(bot.kind, first)
      .split("\n")
      .filter((line) => line.trim() !== "");
    const count = bot.received.length;
    console.log(`  ✓ ${bot.kind} (${count} message${count === 1 ? "" : "s"}, accepted as the real bot checks them)`);
    for (const line of text.slice(0, 6)) console.log(`      ${line}`);
  }
  return problems;
}

/** `--keep`: the relay stays up (with what the demo sent) until Ctrl-C, to look around in the console. */
async function keepRunning(relay: Relay): Promise<void> {
  console.log(`\nrelay still running: open ${relay.url}/console and sign in with ${ADMIN_TOKEN}; Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

/** Waits until `expected` events arrived (or the timeout), then reads them; repeats would show as extra. */
async function collect(sink: Sink, expected: number): Promise<Arrived[]> {
  try {
    await sink.waitFor(`${expected} events`, (requests) => requests.length >= expected, ARRIVAL_TIMEOUT_MS);
  } catch {
    // Reported below, naming what is missing.
  }
  // A moment more, so that an event delivered twice would show up as a repeat.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const webhook = new Webhook(SINK_SECRET);
  return sink.requests("/events").map((request) => {
    const event = JSON.parse(request.body) as { id: string; provider: string; type: string; subject?: string };
    let signatureValid = true;
    try {
      webhook.verify(request.body, request.headers);
    } catch {
      signatureValid = false;
    }
    return { id: event.id, provider: event.provider, type: event.type, subject: event.subject, signatureValid };
  });
}

function missing(samples: SignedCallback[], arrived: Arrived[]): string[] {
  const problems: string[] = [];
  for (const provider of new Set(samples.map((sample) => sample.provider))) {
    const want = samples.filter((sample) => sample.provider === provider).reduce((sum, s) => sum + s.events, 0);
    const got = arrived.filter((event) => event.provider === provider).length;
    if (got !== want) problems.push(`${provider}: ${got} of ${want} events arrived`);
  }
  const ids = arrived.map((event) => event.id);
  const repeats = ids.filter((id, index) => ids.indexOf(id) !== index);
  if (repeats.length > 0) problems.push(`delivered more than once: ${[...new Set(repeats)].join(", ")}`);
  return problems;
}

const USAGE = "usage: npm run demo [-- --keep]";

if (process.argv.slice(2).some((arg) => arg !== "--keep")) {
  console.error(USAGE);
  process.exit(2);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
