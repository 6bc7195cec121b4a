// The filters of a story or task listing (project and project group pages), read from and written
// to the URL so that a filtered list can be shared and survives a reload.
import type { Query } from "../../api/client";
import { STORY_STATUSES, TASK_STATUSES } from "../../lib/status";

export type ListView = "stories" | "tasks";
export type Scope = { project_id: number } | { project_group_id: number };

export interface ListFilters {
  view: ListView;
  status: string[];
  tags: string[];
  tagsMode: "all" | "any";
  assignee: number | null;
  branch: number | null;
  milestone: number | null;
  sort: string;
  dir: "asc" | "desc";
  size: number;
  page: number;
}

export const SORTS: Record<ListView, Record<string, string>> = {
  stories: { updated_at: "Recently updated", created_at: "Created", id: "Number", title: "Title", status: "Status" },
  tasks: {
    updated_at: "Recently updated",
    created_at: "Created",
    id: "Number",
    title: "Title",
    status: "Status",
    priority: "Priority",
  },
};
export const PAGE_SIZES = [25, 50, 100];
export const STATUSES: Record<ListView, readonly string[]> = { stories: STORY_STATUSES, tasks: TASK_STATUSES };

function positiveInt(raw: string | null): number | null {
  if (raw === null || !/^\d+$/.test(raw)) return null;
  const n = Number(raw);
  return n > 0 && n < 2 ** 31 ? n : null;
}

/** The filters a URL asks for; anything unknown or malformed falls back to the default. */
export function readFilters(params: URLSearchParams, defaultSize = 25): ListFilters {
  const view: ListView = params.get("view") === "tasks" ? "tasks" : "stories";
  const sort = params.get("sort") ?? "";
  const size = positiveInt(params.get("size"));
  const branch = positiveInt(params.get("branch"));
  return {
    view,
    status: params.getAll("status").filter((s) => STATUSES[view].includes(s)),
    tags: view === "stories" ? params.getAll("tag").filter((t) => t.trim() !== "") : [],
    tagsMode: params.get("tags_mode") === "any" ? "any" : "all",
    assignee: positiveInt(params.get("assignee")),
    branch,
    milestone: branch !== null ? positiveInt(params.get("milestone")) : null,
    sort: sort in SORTS[view] ? sort : "updated_at",
    dir: params.get("dir") === "asc" ? "asc" : "desc",
    size: size !== null && size <= 500 ? size : defaultSize,
    page: positiveInt(params.get("page")) ?? 1,
  };
}

/** The API query for the listing: /stories or /tasks with the scope, the filters and the page. */
export function listQuery(scope: Scope, f: ListFilters): { path: string; query: Query } {
  const common: Query = {
    ...scope,
    status: f.status,
    assignee_id: f.assignee,
    sort_field: f.sort,
    sort_dir: f.dir,
    limit: f.size,
    offset: (f.page - 1) * f.size,
    // On /stories: the stories with a task on that branch or milestone.
    branch_id: f.branch,
    milestone_id: f.milestone,
  };
  if (f.view === "tasks") return { path: "/tasks", query: common };
  return {
    path: "/stories",
    query: { ...common, tags: f.tags, tags_filter_type: f.tags.length > 1 ? f.tagsMode : null },
  };
}

export type ParamChanges = Record<string, string | string[] | null>;

/** Apply changes to URL parameters: any change but paging goes back to page 1, another view drops
 * the filters that only the old one understands (branch and milestone serve both), another branch
 * drops the milestone. */
export function changeParams(params: URLSearchParams, changes: ParamChanges): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const [key, value] of Object.entries(changes)) {
    next.delete(key);
    if (Array.isArray(value)) value.forEach((v) => next.append(key, v));
    else if (value !== null) next.set(key, value);
  }
  if (!("page" in changes)) next.delete("page");
  if ("view" in changes && changes.view !== params.get("view")) {
    // The sort stays (readFilters drops one the new view does not know); status values differ.
    for (const key of ["status", "tag", "tags_mode"]) if (!(key in changes)) next.delete(key);
  }
  if ("branch" in changes && !("milestone" in changes)) next.delete("milestone");
  return next;
}

export function pageCount(total: number | null | undefined, size: number): number {
  return Math.max(1, Math.ceil((total ?? 0) / size));
}
