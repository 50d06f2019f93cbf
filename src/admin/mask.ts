import type { Problem } from "../config/targets";

/**
 * Secrets are write-only in the admin API: `GET /admin/targets` shows each write-only value of a
 * target masked, and `PUT` takes a masked value back as "keep the stored one". A mask is the kind of
 * value and its last 4 characters (`whsec_…Nzg5`, a header value `…k3Jq`); 4 characters or fewer are
 * masked whole (`…`). Real values never look like masks: a signing secret is `whsec_` and 16 or more
 * base64 characters, and no header value of a real API is `…` and up to 4 characters.
 */
const MASK = "…";

/** Kinds of value the mask names, so an operator can tell a signing secret from another value. */
const KINDS = ["whsec_"] as const;
const MASKED = /^(?:whsec_)?…[^…]{0,4}$/u;

export function maskValue(value: string): string {
  const characters = Array.from(value);
  if (characters.length <= 4) return MASK;
  const kind = KINDS.find((prefix) => value.startsWith(prefix)) ?? "";
  return `${kind}${MASK}${characters.slice(-4).join("")}`;
}

function isMasked(value: string): boolean {
  return MASKED.test(value);
}

/** One write-only value in a targets document, where it sits and how to replace it. */
interface WriteOnly {
  /** JSON path, for problems: `$[0].secret[1]`, `$[0].headers["x-api-key"]`. */
  path: string;
  /** What a masked value may stand for: `secret`, or `header:<name in lower case>`. */
  field: string;
  /** Its place among the target's values of that field (a secret array's index; 0 otherwise). */
  position: number;
  value: string;
  set(value: string): void;
}

/**
 * Where a chat bot's URL holds its token, by `kind`: the part a regular expression's second group
 * matches (the first is kept). Feishu and Lark `…/hook/<token>`, DingTalk `access_token=<token>`, WeCom
 * `key=<token>`, Slack `/services/T…/B…/<token>`. A chat URL of another shape (a proxy in front of the
 * bot, say) may hold its token anywhere, so everything past its host is masked
 * (`https://proxy.example.com/…k3Jq`).
 */
const URL_TOKENS: Readonly<Record<string, RegExp>> = {
  feishu: /^([^?#]*\/hook\/)([^/?#]+)/,
  dingtalk: /^([^#]*[?&]access_token=)([^&#]+)/,
  wecom: /^([^#]*[?&]key=)([^&#]+)/,
  slack: /^([^?#]*\/services\/[^/?#]+\/[^/?#]+\/)([^/?#]+)/,
};
/** A chat URL of none of those shapes: its scheme, host and the `/`, `?` or `#` after it, kept, and the rest. */
const PAST_THE_HOST = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*[/?#])(.+)/is;

/**
 * Where a target keeps write-only values: its signing secret (a string, or each of an array), each
 * header value, and a chat bot's URL token. Only strings are masked: anything else is not a value the
 * relay would use, and validation says so.
 */
const WRITE_ONLY_FIELDS: readonly ((target: Record<string, unknown>, path: string) => WriteOnly[])[] = [
  (target, path) => {
    const { secret } = target;
    if (typeof secret === "string") {
      return [{ path: `${path}.secret`, field: "secret", position: 0, value: secret, set: (v) => (target.secret = v) }];
    }
    if (!Array.isArray(secret)) return [];
    return secret.flatMap((value, index) =>
      typeof value === "string"
        ? [
            {
              path: `${path}.secret[${index}]`,
              field: "secret",
              position: index,
              value,
              set: (v) => (secret[index] = v),
            },
          ]
        : [],
    );
  },
  (target, path) => {
    const headers = target.headers;
    if (!isObject(headers)) return [];
    return Object.entries(headers).flatMap(([name, value]) =>
      typeof value === "string"
        ? [
            {
              path: `${path}.headers[${JSON.stringify(name)}]`,
              field: `header:${name.toLowerCase()}`,
              position: 0,
              value,
              set: (v: string) => (headers[name] = v),
            },
          ]
        : [],
    );
  },
  (target, path) => {
    const { url, kind } = target;
    // A webhook's URL is shown; a chat kind's token is masked, and so is all past the host for a kind that
    // is none of these (a misspelt chat kind in an invalid document is still a bot's URL).
    const webhook = kind === undefined || kind === "webhook";
    const pattern = typeof kind === "string" && Object.hasOwn(URL_TOKENS, kind) ? URL_TOKENS[kind] : undefined;
    const match = typeof url === "string" && !webhook ? (pattern?.exec(url) ?? PAST_THE_HOST.exec(url)) : undefined;
    if (!match) return [];
    const [whole, before, token] = match as unknown as [string, string, string];
    const after = (url as string).slice(whole.length);
    return [
      {
        path: `${path}.url`,
        field: "url-token",
        position: 0,
        value: token,
        set: (v) => (target.url = `${before}${v}${after}`),
      },
    ];
  },
];

function writeOnlyValues(target: Record<string, unknown>, index: number): WriteOnly[] {
  return WRITE_ONLY_FIELDS.flatMap((field) => field(target, `$[${index}]`));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Each target of a document (any JSON, valid or not), with its index; a copy, so callers may change it. */
function targetsOf(document: unknown): { copy: unknown; targets: [Record<string, unknown>, number][] } {
  const copy = structuredClone(document);
  const targets: [Record<string, unknown>, number][] = [];
  if (Array.isArray(copy)) {
    for (const [index, item] of copy.entries()) if (isObject(item)) targets.push([item, index]);
  }
  return { copy, targets };
}

/** The document as the admin API shows it: every write-only value masked, the rest as it is. */
export function maskTargets(document: unknown): unknown {
  const { copy, targets } = targetsOf(document);
  for (const [target, index] of targets) {
    for (const value of writeOnlyValues(target, index)) value.set(maskValue(value.value));
  }
  return copy;
}

/** Whether a document carries any masked value (only then is the stored one worth reading). */
export function hasMaskedValues(document: unknown): boolean {
  return targetsOf(document).targets.some(([target, index]) =>
    writeOnlyValues(target, index).some((value) => isMasked(value.value)),
  );
}

/** The document with the stored values put back, and the masked values that stand for nothing stored. */
interface Unmasked {
  document: unknown;
  problems: Problem[];
}

/**
 * The document with every masked value replaced by the stored value it stands for: the stored
 * target with the same id, the same field, and a value that masks the same way, at the same
 * place in a secret array first, anywhere in that field after (a rotation moves the old secret
 * along). A masked value that stands for nothing stored stays as it is, and is a problem at its path.
 */
export function keepStoredValues(incoming: unknown, stored: unknown): Unmasked {
  const storedById = new Map<string, WriteOnly[]>();
  for (const [target, index] of targetsOf(stored).targets) {
    if (typeof target.id === "string") storedById.set(target.id, writeOnlyValues(target, index));
  }
  const { copy, targets } = targetsOf(incoming);
  const problems: Problem[] = [];
  for (const [target, index] of targets) {
    const id = typeof target.id === "string" ? target.id : undefined;
    const kept = (id === undefined ? undefined : storedById.get(id)) ?? [];
    for (const value of writeOnlyValues(target, index)) {
      if (!isMasked(value.value)) continue;
      const same = kept.filter((old) => old.field === value.field && maskValue(old.value) === value.value);
      const match = same.find((old) => old.position === value.position) ?? same[0];
      if (match === undefined) {
        problems.push({
          path: value.path,
          message: `a masked value keeps the stored one, but ${id === undefined ? "this target has no id" : `target "${id}" has no stored value here that it stands for`}: enter the value itself`,
        });
      } else value.set(match.value);
    }
  }
  return { document: copy, problems };
}
