// The story query language (docs/search.md), parsed in the browser to point at mistakes as you type; the
// server (src/storyline/search/query.py, GET /preview/search) parses the same grammar and runs it. Both
// parsers are checked against one table of cases (tests/search_query_cases.json) through `canonical()`.
//
//   query    = [ or ] ;
//   or       = and { "OR" and } ;
//   and      = unary { [ "AND" ] unary } ;
//   unary    = ( "NOT" | "-" ) unary | primary ;
//   primary  = "(" or ")" | term ;
//   term     = qualifier | jump | word | phrase ;

export const MAX_LENGTH = 1000;
export const MAX_DEPTH = 10;
export const MAX_TERMS = 50;

export interface QueryError {
  message: string;
  /** Where the mistake starts and ends in the query (0-based character offsets, end exclusive). */
  start: number;
  end: number;
  /** What would be right there. */
  expected: string;
}

/** A leaf: kind is a qualifier's name, or "text", "phrase", "id" (#123), "task" (T123). */
export interface Term {
  kind: string;
  values: string[];
  start: number;
  end: number;
  positions: number[];
}
export interface Node {
  op: "and" | "or" | "not";
  children: Expr[];
}
export type Expr = Term | Node;

export interface Parsed {
  tree: Expr | null;
  /** [field, "asc" | "desc"] */
  sort: [string, string] | null;
}

export class QuerySyntaxError extends Error implements QueryError {
  readonly start: number;
  readonly end: number;
  readonly expected: string;
  constructor(start: number, end: number, expected: string, message?: string) {
    super(message ?? `Expected ${expected} at character ${start}`);
    this.name = "QuerySyntaxError";
    this.start = start;
    this.end = Math.max(end, start);
    this.expected = expected;
  }
}

export const QUALIFIERS: { key: string; values: string; help: string }[] = [
  { key: "is", values: "open, closed, active, merged, invalid", help: "stories in that state (closed: merged or invalid)" },
  { key: "status", values: "active, merged, invalid", help: "the story's status" },
  { key: "project", values: "name or id", help: "stories with a task in that project" },
  { key: "group", values: "name or id", help: "stories with a task in a project of that project group" },
  { key: "tag", values: "name", help: "stories with the tag" },
  { key: "assignee", values: "@me, a full name or an id", help: "stories with a task assigned to that person" },
  { key: "creator", values: "@me, a full name or an id", help: "stories that person created" },
  { key: "subscriber", values: "@me", help: "stories you follow" },
  { key: "branch", values: "name or id", help: "stories with a task on a branch of that name" },
  { key: "milestone", values: "name or id", help: "stories with a task on a milestone of that name" },
  { key: "private", values: "yes, no", help: "private stories (those you may see)" },
  { key: "security", values: "yes, no", help: "security stories" },
  { key: "updated", values: ">2026-01-01", help: "updated after that day (also <, >=, <=, a day, a..b)" },
  { key: "created", values: ">2026-01-01", help: "created after that day (also <, >=, <=, a day, a..b)" },
  { key: "sort", values: "updated, created, id, title, status; -asc or -desc", help: "the order of results" },
];
const KEYS = QUALIFIERS.map((q) => q.key);
export const IS_VALUES = ["open", "active", "closed", "merged", "invalid"];
const STATUS_VALUES = ["active", "merged", "invalid"];
const YES_NO = ["yes", "no"];
export const SORT_FIELDS: Record<string, string> = { updated: "desc", created: "desc", id: "asc", title: "asc", status: "asc" };
const SINGLE = ["sort", "updated", "created", "private", "security"];
const ENUMS: Record<string, [string[], string]> = {
  is: [IS_VALUES, "open, closed, active, merged or invalid"],
  status: [STATUS_VALUES, "active, merged or invalid"],
  private: [YES_NO, "yes or no"],
  security: [YES_NO, "yes or no"],
};

const E_TERM = "a term";
const E_DATE = "a date like 2026-01-31, after >, <, >= or <=, or a range 2026-01-01..2026-01-31";
const E_SORT = "updated, created, id, title or status, with -asc or -desc";
const E_TOP = "sort: at the top level (not inside parentheses, OR or NOT)";

interface Tok {
  kind: "(" | ")" | "-" | "word" | "phrase" | "qual";
  start: number;
  end: number;
  text: string;
  key: string;
  vstart: number;
  quoted: boolean;
}

const isSpace = (c: string) => /\s/.test(c);

function lex(q: string): Tok[] {
  const toks: Tok[] = [];
  const tok = (kind: Tok["kind"], start: number, end: number, text = "", key = "", vstart = 0, quoted = false) =>
    toks.push({ kind, start, end, text, key, vstart, quoted });
  let i = 0;
  const n = q.length;
  while (i < n) {
    const c = q[i] as string;
    if (isSpace(c)) {
      i++;
    } else if (c === "(" || c === ")" || c === "-") {
      tok(c, i, i + 1);
      i++;
    } else if (c === '"') {
      const j = q.indexOf('"', i + 1);
      if (j < 0) throw new QuerySyntaxError(i, n, 'a closing "', "A quote is not closed");
      tok("phrase", i, j + 1, q.slice(i + 1, j));
      i = j + 1;
    } else {
      let j = i;
      while (j < n && !isSpace(q[j] as string) && !'()"'.includes(q[j] as string)) j++;
      const raw = q.slice(i, j);
      const m = /^[A-Za-z]+:/.exec(raw);
      if (!m) {
        tok("word", i, j, raw);
        i = j;
        continue;
      }
      const key = m[0].slice(0, -1).toLowerCase();
      const vstart = i + m[0].length;
      if (j === vstart && j < n && q[j] === '"') {
        const k = q.indexOf('"', j + 1);
        if (k < 0) throw new QuerySyntaxError(j, n, 'a closing "', "A quote is not closed");
        tok("qual", i, k + 1, q.slice(j + 1, k), key, j + 1, true);
        i = k + 1;
      } else {
        tok("qual", i, j, raw.slice(m[0].length), key, vstart);
        i = j;
      }
    }
  }
  return toks;
}

function validDate(text: string): boolean {
  const [y, m, d] = text.split("-").map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d && y >= 1;
}

function qualifierTerm(tok: Tok): Term {
  const { key, text: value } = tok;
  if (!KEYS.includes(key)) throw new QuerySyntaxError(tok.start, tok.end, "a known qualifier", `Unknown qualifier ${key}: (quote it to search the text)`);
  if (value === "") throw new QuerySyntaxError(tok.start, tok.end, `a value after ${key}:`);
  const term = (values: string[], positions = [tok.vstart]): Term => ({ kind: key, values, start: tok.start, end: tok.end, positions });
  if (key === "updated" || key === "created") {
    const m = /^(>=|<=|>|<)?(\d{4}-\d{2}-\d{2})$/.exec(value);
    const r = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(value);
    if (m?.[2] && validDate(m[2])) return term([m[1] ?? "=", m[2]]);
    if (r?.[1] && r[2] && validDate(r[1]) && validDate(r[2])) return term(["..", r[1], r[2]]);
    throw new QuerySyntaxError(tok.vstart, tok.end, E_DATE);
  }
  if (key === "sort") {
    const dash = value.indexOf("-");
    const name = dash < 0 ? value : value.slice(0, dash);
    const direction = dash < 0 ? "" : value.slice(dash + 1);
    const fallback = SORT_FIELDS[name];
    if (fallback === undefined || !["", "asc", "desc"].includes(direction)) throw new QuerySyntaxError(tok.vstart, tok.end, E_SORT);
    return term([`${name}-${direction || fallback}`]);
  }
  let parts: string[];
  let positions: number[];
  if (tok.quoted || SINGLE.includes(key)) {
    parts = [value];
    positions = [tok.vstart];
  } else {
    parts = [];
    positions = [];
    let at = tok.vstart;
    for (const part of value.split(",")) {
      if (part === "") throw new QuerySyntaxError(at, at, "a value");
      parts.push(part);
      positions.push(at);
      at += part.length + 1;
    }
  }
  const allowed = ENUMS[key];
  if (allowed) {
    parts.forEach((part, n) => {
      const at = positions[n] as number;
      if (!allowed[0].includes(part.toLowerCase()))
        throw new QuerySyntaxError(at, at + part.length, allowed[1], `${key}: takes ${allowed[1]}, not "${part}"`);
    });
    parts = parts.map((p) => p.toLowerCase());
  }
  return term(parts, positions);
}

class Parser {
  private i = 0;
  private terms = 0;
  private readonly toks: Tok[];
  constructor(private readonly q: string) {
    this.toks = lex(q);
  }
  peek(): Tok | undefined {
    return this.toks[this.i];
  }
  here(): number {
    return this.peek()?.start ?? this.q.length;
  }
  isWord(text: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === "word" && t.text === text;
  }
  expr(depth: number): Expr {
    const items = [this.conj(depth)];
    while (this.isWord("OR")) {
      this.i++;
      items.push(this.conj(depth));
    }
    return items.length === 1 ? (items[0] as Expr) : { op: "or", children: items };
  }
  conj(depth: number): Expr {
    const items = [this.unary(depth)];
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.kind === ")" || this.isWord("OR")) break;
      if (this.isWord("AND")) this.i++;
      items.push(this.unary(depth));
    }
    return items.length === 1 ? (items[0] as Expr) : { op: "and", children: items };
  }
  unary(depth: number): Expr {
    const t = this.peek();
    if (t !== undefined && (t.kind === "-" || (t.kind === "word" && t.text === "NOT"))) {
      if (depth >= MAX_DEPTH) throw new QuerySyntaxError(t.start, t.end, `at most ${MAX_DEPTH} levels of nesting`);
      this.i++;
      return { op: "not", children: [this.unary(depth + 1)] };
    }
    return this.primary(depth);
  }
  primary(depth: number): Expr {
    const t = this.peek();
    if (t === undefined || t.kind === ")" || (t.kind === "word" && (t.text === "AND" || t.text === "OR")))
      throw new QuerySyntaxError(this.here(), t === undefined ? this.here() : t.end, E_TERM);
    if (t.kind === "(") {
      if (depth >= MAX_DEPTH) throw new QuerySyntaxError(t.start, t.end, `at most ${MAX_DEPTH} levels of nesting`);
      this.i++;
      const inner = this.expr(depth + 1);
      const close = this.peek();
      if (close === undefined || close.kind !== ")") throw new QuerySyntaxError(t.start, t.end, ")", "A parenthesis is not closed");
      this.i++;
      return inner;
    }
    this.terms++;
    if (this.terms > MAX_TERMS) throw new QuerySyntaxError(t.start, t.end, `at most ${MAX_TERMS} terms`);
    this.i++;
    if (t.kind === "phrase") return { kind: "phrase", values: [t.text], start: t.start, end: t.end, positions: [t.start + 1] };
    if (t.kind === "qual") return qualifierTerm(t);
    if (t.text.startsWith("#")) {
      if (!/^#[0-9]+$/.test(t.text)) throw new QuerySyntaxError(t.start, t.end, "a story number after #");
      return { kind: "id", values: [t.text.slice(1).replace(/^0+(?=\d)/, "")], start: t.start, end: t.end, positions: [t.start + 1] };
    }
    if (/^T[0-9]+$/.test(t.text)) return { kind: "task", values: [t.text.slice(1).replace(/^0+(?=\d)/, "")], start: t.start, end: t.end, positions: [t.start + 1] };
    return { kind: "text", values: [t.text], start: t.start, end: t.end, positions: [t.start] };
  }
}

const isTerm = (e: Expr): e is Term => "kind" in e;

function takeSort(tree: Expr | null): Parsed {
  if (tree === null) return { tree: null, sort: null };
  const top = !isTerm(tree) && tree.op === "and" ? tree.children : [tree];
  let sort: [string, string] | null = null;
  const kept: Expr[] = [];
  for (const item of top) {
    if (isTerm(item) && item.kind === "sort") {
      const [name, direction] = (item.values[0] as string).split("-") as [string, string];
      if (sort !== null && (sort[0] !== name || sort[1] !== direction))
        throw new QuerySyntaxError(item.start, item.end, "a single sort:", "sort: is given twice");
      sort = [name, direction];
    } else kept.push(item);
  }
  const check = (e: Expr): void => {
    if (isTerm(e)) {
      if (e.kind === "sort") throw new QuerySyntaxError(e.start, e.end, E_TOP);
    } else e.children.forEach(check);
  };
  kept.forEach(check);
  if (kept.length === 0) return { tree: null, sort };
  return { tree: kept.length === top.length ? tree : kept.length === 1 ? (kept[0] as Expr) : { op: "and", children: kept }, sort };
}

/** The query's tree and order; throws QuerySyntaxError (with the character offset) when it has a mistake. */
export function parse(q: string): Parsed {
  if (q.length > MAX_LENGTH)
    throw new QuerySyntaxError(MAX_LENGTH, q.length, `at most ${MAX_LENGTH} characters`, `A query has at most ${MAX_LENGTH} characters`);
  const p = new Parser(q);
  let tree: Expr | null = null;
  if (p.peek() !== undefined) {
    tree = p.expr(0);
    const t = p.peek();
    if (t !== undefined) throw new QuerySyntaxError(t.start, t.end, "a ( before this )", "A parenthesis closes nothing");
  }
  return takeSort(tree);
}

/** The tree as an s-expression, the same text the server's parser gives (the shared table of cases). */
export function canonical(e: Expr): string {
  if (isTerm(e)) {
    if (e.kind === "id" || e.kind === "task") return `(${e.kind} ${e.values[0]})`;
    return `(${[e.kind, ...e.values.map((v) => JSON.stringify(v))].join(" ")})`;
  }
  return `(${[e.op, ...e.children.map(canonical)].join(" ")})`;
}

export interface ParsedQuery {
  parsed: Parsed | null;
  /** The mistake, if any (the query is then not run). */
  errors: QueryError[];
  /** The words and phrases that must match (not negated, not inside OR): for tasks, projects and people. */
  text: string;
  /** `#123` or a bare number alone: that story. `T123` alone: that task. */
  storyId: number | null;
  taskId: number | null;
}

function positiveText(e: Expr | null): string[] {
  if (e === null) return [];
  if (isTerm(e)) return e.kind === "text" || e.kind === "phrase" ? [e.values[0] as string] : [];
  return e.op === "and" ? e.children.flatMap(positiveText) : [];
}

/** parse(), with the mistake as a value instead of an exception, and what the page shows besides stories. */
export function parseQuery(query: string): ParsedQuery {
  const trimmed = query.trim();
  const story = /^#?(\d+)$/.exec(trimmed);
  const task = /^[tT](\d+)$/.exec(trimmed);
  const out: ParsedQuery = {
    parsed: null,
    errors: [],
    text: "",
    storyId: story ? Number(story[1]) : null,
    taskId: task ? Number(task[1]) : null,
  };
  try {
    out.parsed = parse(query);
    out.text = positiveText(out.parsed.tree).join(" ");
  } catch (e) {
    if (!(e instanceof QuerySyntaxError)) throw e;
    out.errors.push({ message: e.message, start: e.start, end: e.end, expected: e.expected });
  }
  return out;
}

/** The story or task a query names and nothing else (`#12`, `12`, `T34`): the search box jumps there. */
export function jumpTarget(p: ParsedQuery): { story: number } | { task: number } | null {
  if (p.storyId !== null) return { story: p.storyId };
  if (p.taskId !== null) return { task: p.taskId };
  return null;
}

/** The query's qualifier being typed at the cursor, from the fixed sets (names come from the server's
 * /preview/search/complete): `pro` → project:, `is:o` → is:open. */
export function completions(query: string, cursor: number): { start: number; options: string[] } {
  const before = query.slice(0, cursor);
  let start = before.length;
  while (start > 0 && !isSpace(before[start - 1] as string) && !"()".includes(before[start - 1] as string)) start--;
  while (start < before.length && before[start] === "-") start++;
  const word = before.slice(start).toLowerCase();
  if (!word || word.startsWith("#") || word.startsWith('"')) return { start, options: [] };
  const colon = word.indexOf(":");
  if (colon < 0) return { start, options: KEYS.map((k) => `${k}:`).filter((k) => k.startsWith(word) && k !== word) };
  const key = word.slice(0, colon);
  const value = word.slice(colon + 1);
  const values: Record<string, string[]> = {
    is: IS_VALUES,
    status: STATUS_VALUES,
    private: YES_NO,
    security: YES_NO,
    assignee: ["@me"],
    creator: ["@me"],
    subscriber: ["@me"],
    sort: Object.keys(SORT_FIELDS).flatMap((f) => [`${f}-desc`, `${f}-asc`]),
  };
  return { start, options: (values[key] ?? []).filter((v) => v.startsWith(value) && v !== value).map((v) => `${key}:${v}`) };
}
