/**
 * `YUNHUNI_ALLOWED_IPS`: comma-separated exact addresses or CIDR ranges, IPv4 or IPv6
 * (`1.2.3.4, 10.0.0.0/8, 2001:db8::/32`). Yunhuni signs nothing, so this and the
 * URL token are all that stand between the endpoint and anyone who finds it.
 */
export interface AllowList {
  /** The var the list was read from (`YUNHUNI_ALLOWED_IPS_ACME` or `YUNHUNI_ALLOWED_IPS`), for messages. */
  source: string;
  ranges: IpRange[];
  /** Entries that are not an address or range: they match nothing (fail closed). */
  unreadable: number;
}

interface IpRange {
  bytes: Uint8Array;
  prefixBits: number;
}

/** `undefined` when the var is unset or blank: no IP restriction. */
export function parseAllowList(text: string | undefined, source: string): AllowList | undefined {
  const entries = (text ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  if (entries.length === 0) return undefined;
  const ranges: IpRange[] = [];
  for (const entry of entries) {
    const range = parseRange(entry);
    if (range) ranges.push(range);
  }
  return { source, ranges, unreadable: entries.length - ranges.length };
}

export function isAllowed(list: AllowList, clientIp: string | undefined): boolean {
  const address = clientIp === undefined ? undefined : parseIp(clientIp.trim());
  if (address === undefined) return false;
  return list.ranges.some((range) => contains(range, address));
}

function parseRange(entry: string): IpRange | undefined {
  const [addressText = "", prefixText, extra] = entry.split("/");
  if (extra !== undefined) return undefined;
  const parsed = parseIpFull(addressText);
  if (parsed === undefined) return undefined;
  const maxBits = parsed.length * 8;
  if (prefixText === undefined) return unmap({ bytes: parsed, prefixBits: maxBits });
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > maxBits) return undefined;
  return unmap({ bytes: parsed, prefixBits: Number(prefixText) });
}

function contains(range: IpRange, address: Uint8Array): boolean {
  if (range.bytes.length !== address.length) return false;
  for (let bit = 0; bit < range.prefixBits; bit += 8) {
    const index = bit / 8;
    const bits = Math.min(8, range.prefixBits - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if (((range.bytes[index] ?? 0) & mask) !== ((address[index] ?? 0) & mask)) return false;
  }
  return true;
}

/** An address as 4 bytes (IPv4, including IPv4-mapped IPv6) or 16 bytes (IPv6). */
export function parseIp(text: string): Uint8Array | undefined {
  const bytes = parseIpFull(text);
  return bytes && unmap({ bytes, prefixBits: bytes.length * 8 }).bytes;
}

/** `::ffff:a.b.c.d` is the IPv4 address a.b.c.d. */
function unmap(range: IpRange): IpRange {
  const { bytes, prefixBits } = range;
  const mapped = bytes.length === 16 && bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff;
  return mapped && bytes[11] === 0xff && prefixBits >= 96
    ? { bytes: bytes.slice(12), prefixBits: prefixBits - 96 }
    : range;
}

function parseIpFull(text: string): Uint8Array | undefined {
  return text.includes(":") ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return undefined;
  return Uint8Array.from(parts.map(Number));
}

function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = halves.map((half) => (half === "" ? [] : half.split(":")));
  const words: number[][] = [];
  for (const [h, half] of groups.entries()) {
    const out: number[] = [];
    for (const [g, group] of half.entries()) {
      const isLast = h === groups.length - 1 && g === half.length - 1;
      if (isLast && group.includes(".")) {
        const v4 = parseIpv4(group);
        if (!v4) return undefined;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else if (/^[0-9a-f]{1,4}$/i.test(group)) out.push(Number.parseInt(group, 16));
      else return undefined;
    }
    words.push(out);
  }
  const [head = [], tail = []] = words;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}
