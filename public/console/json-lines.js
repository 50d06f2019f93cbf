// Finds where each value of a JSON text starts, so that a problem reported at a JSON path
// (`$[0].url`, `$[1].headers["x api"]`) can be shown beside its line in the editor.

const PLAIN_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const LITERAL = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/** Map from JSON path to the 1-based line where that value (or, for a member, its key) starts. */
export function lineOfPaths(text) {
  const newlines = [];
  for (let index = text.indexOf("\n"); index !== -1; index = text.indexOf("\n", index + 1)) newlines.push(index);
  const lineAt = (offset) => {
    let low = 0;
    let high = newlines.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (newlines[middle] < offset) low = middle + 1;
      else high = middle;
    }
    return low + 1;
  };
  const found = new Map();
  let at = 0;
  const fail = () => {
    throw new SyntaxError(`unexpected input at ${at}`);
  };
  const space = () => {
    while (at < text.length && " \t\r\n".includes(text[at])) at++;
  };
  const expect = (char) => {
    space();
    if (text[at] !== char) fail();
    at++;
  };
  const string = () => {
    space();
    const start = at;
    if (text[at] !== '"') fail();
    for (at++; at < text.length && text[at] !== '"'; at += text[at] === "\\" ? 2 : 1);
    if (at >= text.length) fail();
    at++;
    return JSON.parse(text.slice(start, at));
  };
  const items = (close, each) => {
    space();
    if (text[at] === close) return at++;
    for (let index = 0; ; index++) {
      each(index);
      space();
      if (text[at] === close) return at++;
      expect(",");
    }
  };
  const value = (path, start) => {
    space();
    if (!found.has(path)) found.set(path, lineAt(start ?? at));
    const char = text[at];
    if (char === "{") {
      at++;
      items("}", () => {
        space();
        const keyStart = at;
        const key = string();
        expect(":");
        value(PLAIN_NAME.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`, keyStart);
      });
    } else if (char === "[") {
      at++;
      items("]", (index) => value(`${path}[${index}]`));
    } else if (char === '"') {
      string();
    } else {
      LITERAL.lastIndex = at;
      if (!LITERAL.test(text)) fail();
      at = LITERAL.lastIndex;
    }
  };
  try {
    value("$");
  } catch {
    // Not JSON (the relay says why): the paths found so far still help.
  }
  return found;
}

/** The line for a path: its own, else its nearest ancestor's (a missing member is shown at its object). */
export function lineOf(lines, path) {
  for (let current = path; current; current = parentOf(current)) {
    if (lines.has(current)) return lines.get(current);
  }
  return 1;
}

function parentOf(path) {
  const match = /^(.+?)(?:\.[A-Za-z_$][A-Za-z0-9_$]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\])$/.exec(path);
  return match ? match[1] : "";
}
