/**
 * Label matchers as Alertmanager writes them in its routes and silences: `name=value`, `name!=value`,
 * `name=~regex`, `name!~regex`, the value bare or double-quoted (with `\"`, `\\` and `\n` escapes).
 * Semantics follow Alertmanager: a missing label counts as the empty string (so `team=""` matches alerts
 * without `team`), and a regex must match the whole value (it is anchored as `^(?:…)$`).
 *
 * Limit: regexes run on JavaScript's engine, not Go's RE2. The common syntax is the same; of RE2's inline
 * flags only a leading `(?i)` is understood, anything RE2-only that JavaScript rejects is refused at load.
 */

type MatchOperator = "=" | "!=" | "=~" | "!~";

export interface LabelMatcher {
  name: string;
  operator: MatchOperator;
  value: string;
  /** The text it was parsed from, for error messages and logs. */
  text: string;
  matches(labels: Readonly<Record<string, string>>): boolean;
}

export type MatcherParse = { ok: true; matcher: LabelMatcher } | { ok: false; message: string };

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/** `"a\"b"` → `a"b`; undefined when the quoting is broken. */
function unquote(raw: string): string | undefined {
  if (!raw.startsWith('"')) return raw.includes('"') ? undefined : raw;
  if (raw.length < 2 || !raw.endsWith('"')) return undefined;
  let out = "";
  for (let i = 1; i < raw.length - 1; i++) {
    const c = raw[i]!;
    if (c === '"') return undefined;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const next = raw[++i];
    if (i >= raw.length - 1 || next === undefined) return undefined;
    out += next === "n" ? "\n" : next;
  }
  return out;
}

function compile(pattern: string): RegExp | string {
  const insensitive = pattern.startsWith("(?i)");
  const body = insensitive ? pattern.slice(4) : pattern;
  try {
    return new RegExp(`^(?:${body})$`, insensitive ? "i" : "");
  } catch (err) {
    return (err as Error).message;
  }
}

/** Parses one matcher; the failure message says what is wrong with it. */
export function parseMatcher(text: string): MatcherParse {
  const m = MATCHER.exec(text);
  if (!m) {
    return {
      ok: false,
      message: `${JSON.stringify(text)} is not a matcher: use name=value, name!=value, name=~regex or name!~regex`,
    };
  }
  const [, name, op, rawValue] = m as unknown as [string, string, MatchOperator, string];
  const value = unquote(rawValue);
  if (value === undefined) {
    return { ok: false, message: `${JSON.stringify(text)}: the value's double quotes are not balanced` };
  }
  let test: (actual: string) => boolean;
  if (op === "=" || op === "!=") {
    test = op === "=" ? (actual) => actual === value : (actual) => actual !== value;
  } else {
    const regex = compile(value);
    if (typeof regex === "string") {
      return { ok: false, message: `${JSON.stringify(text)}: the regex does not compile: ${regex}` };
    }
    test = op === "=~" ? (actual) => regex.test(actual) : (actual) => !regex.test(actual);
  }
  return {
    ok: true,
    matcher: { name, operator: op, value, text, matches: (labels) => test(labels[name] ?? "") },
  };
}

/** True when every matcher matches (an empty list matches everything, as in Alertmanager). */
export function matchesAll(
  matchers: readonly LabelMatcher[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return matchers.every((m) => m.matches(labels));
}
