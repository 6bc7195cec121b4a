// The search box's query language (docs/search.md), parsed in the browser and mapped onto the v1
// story list's query parameters: everything it finds, any API client can find with the same request.
import type { Query } from "../api/client";

export interface QueryError {
  message: string;
  /** Where the offending word starts and ends in the query (0-based, end exclusive). */
  start: number;
  end: number;
}

export type UserRef = { me: true } | { id: number } | { name: string };

export interface ParsedQuery {
  /** Free text: full-text search over titles, descriptions, tags and comments. */
  text: string;
  /** `#123` or a bare number: that story. `T123`: that task. */
  storyId: number | null;
  taskId: number | null;
  status: string[];
  project: string | null;
  group: string | null;
  tags: string[];
  tagsMode: "all" | "any";
  assignee: UserRef | null;
  creator: UserRef | null;
  subscriber: UserRef | null;
  updatedSince: string | null;
  sort: { field: string; dir: "asc" | "desc" } | null;
  errors: QueryError[];
}

export const QUALIFIERS: { key: string; values: string; help: string }[] = [
  { key: "is", values: "open, merged, invalid, closed", help: "stories in that state (closed: merged or invalid)" },
  { key: "status", values: "active, merged, invalid", help: "the story's status; several with commas" },
  { key: "project", values: "name or id", help: "stories with a task in that project" },
  { key: "group", values: "name or id", help: "stories with a task in a project of that project group" },
  { key: "tag", values: "name", help: "stories with the tag; repeat for all of several, a,b for any of them" },
  { key: "assignee", values: "@me, a name or an id", help: "stories with a task assigned to that person" },
  { key: "creator", values: "@me, a name or an id", help: "stories that person created" },
  { key: "subscriber", values: "@me, a name or an id", help: "stories that person follows" },
  { key: "updated", values: ">2026-01-01", help: "updated after that day" },
  { key: "sort", values: "updated, created, id, title, status; -asc or -desc", help: "the order of results" },
];

const IS: Record<string, string[]> = {
  open: ["active"],
  active: ["active"],
  merged: ["merged"],
  invalid: ["invalid"],
  closed: ["merged", "invalid"],
};
const STATUSES = ["active", "merged", "invalid"];
const SORTS: Record<string, string> = { updated: "updated_at", created: "created_at", id: "id", number: "id", title: "title", status: "status" };
// Known to the issue tracker's users from other tools, but not expressible on the v1 story list.
const UNSUPPORTED: Record<string, string> = {
  branch: "branch: is not supported yet: filter by branch on a project page",
  milestone: "milestone: is not supported yet: filter by milestone on a project page",
  private: "private: is not supported yet",
  security: "security: is not supported yet",
  label: "use tag: instead of label:",
};

interface Word {
  raw: string;
  start: number;
  end: number;
}

/** Split on spaces; double quotes keep spaces inside a word (`tag:"needs review"`) and are dropped. */
export function words(query: string): { words: Word[]; error: QueryError | null } {
  const out: Word[] = [];
  let i = 0;
  while (i < query.length) {
    if (/\s/.test(query[i] ?? "")) {
      i++;
      continue;
    }
    const start = i;
    let raw = "";
    while (i < query.length && !/\s/.test(query[i] ?? "")) {
      if (query[i] === '"') {
        const close = query.indexOf('"', i + 1);
        if (close < 0) return { words: out, error: { message: "A quote is not closed", start: i, end: query.length } };
        raw += query.slice(i + 1, close);
        i = close + 1;
      } else {
        raw += query[i];
        i++;
      }
    }
    out.push({ raw, start, end: i });
  }
  return { words: out, error: null };
}

function userRef(value: string): UserRef | null {
  if (value === "@me" || value === "me") return { me: true };
  if (/^\d+$/.test(value)) return { id: Number(value) };
  const name = value.replace(/^@/, "");
  return name ? { name } : null;
}

/** Parse a query; errors name the word at fault, and the rest still parses. */
export function parseQuery(query: string): ParsedQuery {
  const parsed: ParsedQuery = {
    text: "",
    storyId: null,
    taskId: null,
    status: [],
    project: null,
    group: null,
    tags: [],
    tagsMode: "all",
    assignee: null,
    creator: null,
    subscriber: null,
    updatedSince: null,
    sort: null,
    errors: [],
  };
  const split = words(query);
  if (split.error) parsed.errors.push(split.error);
  const text: string[] = [];
  const tagWords: Word[] = [];
  for (const w of split.words) {
    const fail = (message: string) => parsed.errors.push({ message, start: w.start, end: w.end });
    const once = <K extends keyof ParsedQuery>(key: K, label: string, value: ParsedQuery[K]) => {
      if (parsed[key] !== null && JSON.stringify(parsed[key]) !== JSON.stringify(value)) fail(`${label}: is given twice`);
      else parsed[key] = value;
    };
    const raw = w.raw;
    if (raw.startsWith("-") && raw.includes(":")) {
      fail("Negation (-qualifier:) is not supported yet");
      continue;
    }
    if (raw === "OR" || raw === "AND" || raw.startsWith("(") || raw.endsWith(")")) {
      fail(`${raw === "OR" || raw === "AND" ? raw : "Parentheses"} are not supported yet: every term must match`);
      continue;
    }
    const number = /^#?(\d+)$/.exec(raw);
    if (number) {
      once("storyId", "#story", Number(number[1]));
      continue;
    }
    const task = /^[tT](\d+)$/.exec(raw);
    if (task) {
      once("taskId", "task T", Number(task[1]));
      continue;
    }
    const colon = raw.indexOf(":");
    const key = colon > 0 ? raw.slice(0, colon).toLowerCase() : "";
    if (!key || !/^[a-z]+$/.test(key) || raw.slice(colon + 1).startsWith("//")) {
      text.push(raw);
      continue;
    }
    const value = raw.slice(colon + 1);
    if (!value) {
      fail(`${key}: needs a value`);
      continue;
    }
    switch (key) {
      case "is": {
        const statuses = IS[value.toLowerCase()];
        if (!statuses) fail(`is: takes open, merged, invalid or closed, not "${value}"`);
        else parsed.status = [...new Set([...parsed.status, ...statuses])];
        break;
      }
      case "status": {
        const values = value.toLowerCase().split(",").filter(Boolean);
        const bad = values.find((v) => !STATUSES.includes(v));
        if (bad) fail(`status: takes active, merged or invalid, not "${bad}"`);
        else parsed.status = [...new Set([...parsed.status, ...values])];
        break;
      }
      case "project":
        once("project", "project", value);
        break;
      case "group":
        once("group", "group", value);
        break;
      case "tag": {
        tagWords.push(w);
        parsed.tags.push(...value.split(",").map((t) => t.trim()).filter(Boolean));
        break;
      }
      case "assignee":
      case "creator":
      case "subscriber": {
        const ref = userRef(value);
        if (!ref) fail(`${key}: needs @me, a name or an id`);
        else once(key, key, ref);
        break;
      }
      case "updated": {
        const m = /^>=?(\d{4}-\d{2}-\d{2})$/.exec(value);
        if (!m?.[1] || Number.isNaN(Date.parse(m[1]))) fail("updated: takes >YYYY-MM-DD (updated after that day)");
        else once("updatedSince", "updated", `${m[1]}T00:00:00Z`);
        break;
      }
      case "sort": {
        const m = /^([a-z]+)(?:-(asc|desc))?$/.exec(value.toLowerCase());
        const field = m?.[1] ? SORTS[m[1]] : undefined;
        if (!m || !field) fail(`sort: takes updated, created, id, title or status, then -asc or -desc`);
        else once("sort", "sort", { field, dir: m[2] === "asc" ? "asc" : m[2] === "desc" ? "desc" : field === "title" ? "asc" : "desc" });
        break;
      }
      default:
        fail(UNSUPPORTED[key] ?? `Unknown qualifier ${key}: (known: ${QUALIFIERS.map((q) => q.key).join(", ")})`);
    }
  }
  // tag:a,b is "any of"; several tag: words are "all of": the v1 list has one mode for all its tags.
  if (tagWords.some((w) => w.raw.includes(","))) {
    parsed.tagsMode = "any";
    const second = tagWords[1];
    if (second) parsed.errors.push({ message: "tag:a,b (any of) cannot be combined with another tag:", start: second.start, end: second.end });
  }
  parsed.text = text.join(" ");
  return parsed;
}

/** Has the query anything to search stories with, other than a story or task number? */
export function hasStoryFilters(p: ParsedQuery): boolean {
  return (
    p.text !== "" ||
    p.status.length > 0 ||
    p.project !== null ||
    p.group !== null ||
    p.tags.length > 0 ||
    p.assignee !== null ||
    p.creator !== null ||
    p.subscriber !== null ||
    p.updatedSince !== null
  );
}

/** The story or task a query names and nothing else (`#12`, `12`, `T34`): the search box jumps there. */
export function jumpTarget(p: ParsedQuery): { story: number } | { task: number } | null {
  if (hasStoryFilters(p) || p.errors.length > 0) return null;
  if (p.storyId !== null && p.taskId === null) return { story: p.storyId };
  if (p.taskId !== null && p.storyId === null) return { task: p.taskId };
  return null;
}

/** How names become ids: the signed-in user, and look-ups of projects, groups and people by name. */
export interface Resolver {
  selfId: number | null;
  projectId: (ref: string) => Promise<number>;
  groupId: (ref: string) => Promise<number>;
  userId: (name: string) => Promise<number>;
}

export class ResolveError extends Error {}

async function resolveUser(ref: UserRef, label: string, r: Resolver): Promise<number> {
  if ("me" in ref) {
    if (r.selfId === null) throw new ResolveError(`${label}:@me needs you to log in`);
    return r.selfId;
  }
  if ("id" in ref) return ref.id;
  return r.userId(ref.name);
}

/** The v1 request for a parsed query: its path (/stories, or /stories/search with free text) and parameters. */
export async function storyRequest(
  parsed: ParsedQuery,
  r: Resolver,
  page: { limit: number; offset: number },
): Promise<{ path: string; query: Query }> {
  const query: Query = {
    status: parsed.status,
    tags: parsed.tags,
    tags_filter_type: parsed.tags.length > 1 ? parsed.tagsMode : null,
    updated_since: parsed.updatedSince,
    sort_field: parsed.sort?.field ?? "updated_at",
    sort_dir: parsed.sort?.dir ?? "desc",
    limit: page.limit,
    offset: page.offset,
  };
  if (parsed.project !== null) query.project_id = /^\d+$/.test(parsed.project) ? Number(parsed.project) : await r.projectId(parsed.project);
  if (parsed.group !== null) query.project_group_id = /^\d+$/.test(parsed.group) ? Number(parsed.group) : await r.groupId(parsed.group);
  if (parsed.assignee) query.assignee_id = await resolveUser(parsed.assignee, "assignee", r);
  if (parsed.creator) query.creator_id = await resolveUser(parsed.creator, "creator", r);
  if (parsed.subscriber) query.subscriber_id = await resolveUser(parsed.subscriber, "subscriber", r);
  if (parsed.text) return { path: "/stories/search", query: { q: parsed.text, ...query } };
  return { path: "/stories", query };
}

/** The query's qualifier being typed at the cursor, for completion: `pro` → project:, `is:o` → is:open. */
export function completions(query: string, cursor: number): { start: number; options: string[] } {
  const before = query.slice(0, cursor);
  const start = Math.max(before.lastIndexOf(" "), before.lastIndexOf("\t")) + 1;
  const word = before.slice(start).toLowerCase();
  if (!word || word.startsWith("#") || word.startsWith("-")) return { start, options: [] };
  const colon = word.indexOf(":");
  if (colon < 0) {
    return { start, options: QUALIFIERS.map((q) => `${q.key}:`).filter((k) => k.startsWith(word) && k !== word) };
  }
  const key = word.slice(0, colon);
  const value = word.slice(colon + 1);
  const values: Record<string, string[]> = {
    is: Object.keys(IS).filter((k) => k !== "active"),
    status: STATUSES,
    assignee: ["@me"],
    creator: ["@me"],
    subscriber: ["@me"],
    sort: ["updated-desc", "updated-asc", "created-desc", "created-asc", "id-asc", "id-desc", "title-asc", "status-asc"],
  };
  return { start, options: (values[key] ?? []).filter((v) => v.startsWith(value) && v !== value).map((v) => `${key}:${v}`) };
}
