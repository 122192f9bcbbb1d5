/**
 * The little bit of POSIX shell that setup instructions use: comments, backslash line continuation,
 * single and double quotes, `$var`/`${var}` expansion (unquoted expansions split into words) and
 * `for NAME in WORDS; do … done` loops, which may nest. It refuses `!` outside single quotes the way an
 * interactive bash does (history expansion), because that is where people paste these commands.
 */

export type Statement =
  | { kind: "command"; text: string; line: number }
  | { kind: "for"; variable: string; words: string; body: Statement[]; line: number };

export class ShellError extends Error {
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = "ShellError";
  }
}

/** Joins continuation lines and drops comments; keeps the first line number of each logical line. */
function logicalLines(script: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const raw = script.split("\n");
  for (let i = 0; i < raw.length; i++) {
    const start = i + 1;
    let text = raw[i]!;
    while (text.endsWith("\\") && i + 1 < raw.length) text = text.slice(0, -1) + raw[++i]!;
    const stripped = stripComment(text).trim();
    if (stripped.length > 0) out.push({ text: stripped, line: start });
  }
  return out;
}

function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "\\") i++;
    else if (c === "#" && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i);
  }
  return text;
}

/** Splits `a; b` at semicolons outside quotes. */
function splitSemicolons(text: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ";") {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

export function parseScript(script: string): Statement[] {
  const pieces = logicalLines(script).flatMap(({ text, line }) =>
    splitSemicolons(text).map((t) => ({ text: t, line })),
  );
  let pos = 0;
  const block = (inLoop: boolean, opened: number): Statement[] => {
    const out: Statement[] = [];
    while (pos < pieces.length) {
      const { text, line } = pieces[pos++]!;
      if (text === "done") {
        if (!inLoop) throw new ShellError("syntax error near unexpected token `done'", line);
        return out;
      }
      const loop = /^for\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\s+(.*)$/.exec(text);
      if (loop) {
        const next = pieces[pos];
        let body: Statement[];
        if (next?.text === "do") {
          pos++;
          body = block(true, line);
        } else if (next?.text.startsWith("do ")) {
          pieces[pos] = { text: next.text.slice(3).trim(), line: next.line };
          body = block(true, line);
        } else throw new ShellError("syntax error: `for' without `do'", line);
        out.push({ kind: "for", variable: loop[1]!, words: loop[2]!, body, line });
        continue;
      }
      if (/^(do|then|fi|if|while)\b/.test(text))
        throw new ShellError(`unsupported shell syntax '${text}'`, line);
      out.push({ kind: "command", text, line });
    }
    if (inLoop) throw new ShellError("syntax error: unexpected end of file, `done' expected", opened);
    return out;
  };
  return block(false, 0);
}

/** Word expansion and splitting of one command line under `vars`. */
export function expandWords(text: string, vars: ReadonlyMap<string, string>, line: number): string[] {
  const words: string[] = [];
  let current: string | undefined;
  const push = (s: string) => {
    current = (current ?? "") + s;
  };
  const finish = () => {
    if (current !== undefined) words.push(current);
    current = undefined;
  };
  const variable = (i: number): { value: string; end: number } => {
    const braced = text[i + 1] === "{";
    const m = braced
      ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(text.slice(i))
      : /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(text.slice(i));
    if (!m) return { value: "$", end: i + 1 };
    const value = vars.get(m[1]!);
    if (value === undefined) throw new ShellError(`${m[1]}: unbound variable`, line);
    return { value, end: i + m[0].length };
  };
  const history = (i: number) => {
    const next = text[i + 1];
    if (next !== undefined && !/[\s=(]/.test(next) && !(next === '"')) {
      throw new ShellError(`${/^![^\s"']*/.exec(text.slice(i))![0]}: event not found`, line);
    }
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      finish();
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new ShellError("unexpected EOF while looking for matching `''", line);
      push(text.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      push("");
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\" && /["\\$`]/.test(text[i + 1] ?? "")) {
          push(text[i + 1]!);
          i += 2;
        } else if (text[i] === "$") {
          const v = variable(i);
          push(v.value);
          i = v.end;
        } else {
          if (text[i] === "!") history(i);
          push(text[i]!);
          i++;
        }
      }
      if (i >= text.length) throw new ShellError("unexpected EOF while looking for matching `\"'", line);
      i++;
    } else if (c === "$") {
      const v = variable(i);
      const fields = v.value.split(/\s+/);
      fields.forEach((f, k) => {
        if (k > 0) finish();
        if (f.length > 0 || k > 0) push(f);
      });
      if (v.value.length > 0 && /\s$/.test(v.value)) finish();
      i = v.end;
    } else if (c === "\\") {
      push(text[i + 1] ?? "");
      i += 2;
    } else {
      if (c === "!") history(i);
      if (/[|&<>`]/.test(c)) throw new ShellError(`unsupported shell syntax '${c}'`, line);
      push(c);
      i++;
    }
  }
  finish();
  return words;
}

/** Runs `script`, handing every expanded command (as words) to `run`. */
export function runScript(
  script: string,
  run: (words: string[], line: number) => void,
  vars: ReadonlyMap<string, string> = new Map(),
): void {
  const exec = (statements: Statement[], scope: Map<string, string>) => {
    for (const s of statements) {
      if (s.kind === "command") {
        const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(s.text);
        if (assignment) {
          scope.set(assignment[1]!, expandWords(assignment[2]!, scope, s.line).join(" "));
          continue;
        }
        run(expandWords(s.text, scope, s.line), s.line);
      } else {
        for (const value of expandWords(s.words, scope, s.line)) {
          exec(s.body, new Map([...scope, [s.variable, value]]));
        }
      }
    }
  };
  exec(parseScript(script), new Map(vars));
}
