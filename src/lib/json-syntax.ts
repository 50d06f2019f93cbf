/**
 * Where a text stops being JSON (RFC 8259), found by a scan of our own: the engine's
 * `SyntaxError` message quotes a slice of the text, and a request body may hold a token
 * or a secret right where it breaks. Iterative (an explicit stack), so any nesting depth
 * is safe; linear in the text.
 */
export function syntaxErrorOffset(text: string): number | undefined {
  try {
    scan(text);
    return undefined;
  } catch (error) {
    if (error instanceof Stop) return error.offset;
    throw error;
  }
}

/** 1-based line and column of an offset; `\n`, `\r\n` and `\r` each end a line, and a column is one code point. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === LF || (unit === CR && text.charCodeAt(i + 1) !== LF)) {
      line++;
      column = 1;
    } else if (unit !== CR && !(unit >= 0xdc00 && unit <= 0xdfff && i > 0 && isHighSurrogate(text.charCodeAt(i - 1)))) {
      column++;
    }
  }
  return { line, column };
}

const LF = 0x0a;
const CR = 0x0d;
const isHighSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;

/** Thrown inside the scan only; a plain field, because scripts run this file under Node's type stripping. */
class Stop {
  readonly offset: number;
  constructor(offset: number) {
    this.offset = offset;
  }
}

const stop = (offset: number): never => {
  throw new Stop(offset);
};

function scan(text: string): void {
  /** The closers of the arrays and objects still open, innermost last. */
  const open: string[] = [];
  /** What may come next: a value, the first value or `]`, the first key or `}`, a key, or what follows a value. */
  let expect: "value" | "first-value" | "first-key" | "key" | "after" = "value";
  let i = skipSpace(text, 0);
  for (;;) {
    const char = text[i];
    if (expect === "after") {
      const closer = open.at(-1);
      if (closer === undefined) {
        if (i < text.length) stop(i);
        return;
      }
      if (char === ",") expect = closer === "}" ? "key" : "value";
      else if (char === closer) open.pop();
      else stop(i);
      i = skipSpace(text, i + 1);
    } else if ((expect === "first-value" && char === "]") || (expect === "first-key" && char === "}")) {
      open.pop();
      expect = "after";
      i = skipSpace(text, i + 1);
    } else if (expect === "first-key" || expect === "key") {
      if (char !== '"') stop(i);
      i = skipSpace(text, stringEnd(text, i));
      if (text[i] !== ":") stop(i);
      expect = "value";
      i = skipSpace(text, i + 1);
    } else if (char === "{" || char === "[") {
      open.push(char === "{" ? "}" : "]");
      expect = char === "{" ? "first-key" : "first-value";
      i = skipSpace(text, i + 1);
    } else {
      expect = "after";
      i = skipSpace(text, scalarEnd(text, i));
    }
  }
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  return i;
}

/** The end of the string, number or literal starting at `i`. */
function scalarEnd(text: string, i: number): number {
  const char = text[i];
  if (char === '"') return stringEnd(text, i);
  if (char === "-" || isDigit(text, i)) return numberEnd(text, i);
  for (const literal of ["true", "false", "null"]) {
    if (char !== literal[0]) continue;
    for (let k = 1; k < literal.length; k++) if (text[i + k] !== literal[k]) stop(i + k);
    return i + literal.length;
  }
  return stop(i);
}

function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    if (i >= text.length) stop(i);
    const unit = text.charCodeAt(i);
    if (unit === 0x22) return i + 1;
    if (unit < 0x20) stop(i);
    if (unit !== 0x5c) {
      i++;
      continue;
    }
    const escaped = text[i + 1];
    if (escaped === undefined) stop(i + 1);
    if (escaped === "u") {
      for (let k = i + 2; k < i + 6; k++) if (!/^[0-9A-Fa-f]$/.test(text[k] ?? "")) stop(k);
      i += 6;
    } else if ('"\\/bfnrt'.includes(escaped as string)) i += 2;
    else stop(i + 1);
  }
}

function numberEnd(text: string, start: number): number {
  let i = start;
  if (text[i] === "-") i++;
  if (text[i] === "0") i++;
  else i = digitsEnd(text, i);
  if (text[i] === ".") i = digitsEnd(text, i + 1);
  if (text[i] === "e" || text[i] === "E") {
    i++;
    if (text[i] === "+" || text[i] === "-") i++;
    i = digitsEnd(text, i);
  }
  return i;
}

/** One digit or more from `i`. */
function digitsEnd(text: string, from: number): number {
  if (!isDigit(text, from)) stop(from);
  let i = from;
  while (isDigit(text, i)) i++;
  return i;
}

function isDigit(text: string, i: number): boolean {
  const unit = text.charCodeAt(i);
  return unit >= 0x30 && unit <= 0x39;
}
