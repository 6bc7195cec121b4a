// Live updates for lists whose rows may come from anywhere (search results, the home page's lists, automatic
// worklists): the stream names what can change them (the projects, groups or stories they are bounded to, or
// every project when there are few enough; beyond, the list's query, when it has one: the server tells of
// any story that comes to match it), the stories they show, and a list the topics cannot cover whole is also
// read again every WIDE_EVERY_MS. Notices are debounced (useLiveQueries).
import { type QueryKey, useQuery } from "@tanstack/react-query";
import { apiPage } from "../api/client";
import { type LiveChange, type LiveMode, type LiveTopics, useLiveQueries } from "./live";
import { parse, QuerySyntaxError } from "./query";

/** The server's bound on the ids one stream names (MAX_TOPICS in src/storyline/preview/live.py). */
export const MAX_TOPICS = 100;
/** How often a list the stream cannot cover whole is read anyway (while its tab is visible). */
export const WIDE_EVERY_MS = 30_000;

/** What a list depends on. */
export interface ListReach {
  /** The stories it shows: a change to one may change or drop its row. */
  stories: number[];
  /** Those of them without tasks, when known: the only ones a stream naming every project does not cover
   * (naming fewer stories keeps the stream from reopening each time the rows change). */
  taskless?: number[];
  /** Where new rows can come from: these projects, groups and stories only; null: anywhere. */
  bound: { projects: number[]; groups: number[]; stories: number[] } | null;
  /** Worklists whose own events matter (an automatic or manual worklist's page). */
  worklists?: number[];
  /** Boards whose own events matter (their lanes and cards included). */
  boards?: number[];
  /** The list's rows as a query of the search language (or a query matching more: a notice too many only
   * reads the list again), when it has one; "" is every story. Named instead of projects when those do not
   * fit (the server tells of any story that matches it once changed). */
  query?: string | null;
}

/** The stream's topics for a list, within MAX_TOPICS, and whether they cover every change that could alter
 * it (else the page also reads it every WIDE_EVERY_MS). `allProjects`: every project's id, or null when
 * there are more than fit (or they are unknown). Every task is in a project, so a story with tasks is heard
 * through its projects; the stories named are those shown (a story without tasks is in no project). When
 * the projects (or the list's bound) do not fit and the list has a query, the stream names the query and
 * the stories shown (a story that stops matching is heard through them). */
export function listTopics(reach: ListReach, allProjects: number[] | null): { topics: LiveTopics; whole: boolean } {
  const boards = [...new Set(reach.boards ?? [])].slice(0, MAX_TOPICS);
  const worklists = [...new Set(reach.worklists ?? [])].slice(0, MAX_TOPICS - boards.length);
  let room = MAX_TOPICS - boards.length - worklists.length;
  let whole = true;
  const take = (ids: number[]) => {
    const unique = [...new Set(ids)];
    const taken = unique.slice(0, Math.max(0, room));
    room -= taken.length;
    if (taken.length < unique.length) whole = false;
    return taken;
  };
  let project: number[] = [];
  let group: number[] = [];
  let story: number[] = [];
  const hasQuery = reach.query !== undefined && reach.query !== null;
  const fits = reach.bound
    ? new Set([...reach.bound.projects]).size + new Set(reach.bound.groups).size + new Set([...reach.bound.stories, ...reach.stories]).size <= room
    : allProjects !== null && allProjects.length <= room;
  let query: string | undefined;
  if (!fits && hasQuery) {
    query = reach.query as string;
    story = take(reach.stories);
  } else if (reach.bound) {
    project = take(reach.bound.projects);
    group = take(reach.bound.groups);
    story = take([...reach.bound.stories, ...reach.stories]);
  } else {
    if (allProjects !== null && allProjects.length <= room) project = take(allProjects);
    else whole = false;
    const shown = [...new Set(whole && reach.taskless ? reach.taskless : reach.stories)];
    story = shown.slice(0, Math.max(0, room)); // beyond: heard through their projects (or the slow read)
    room -= story.length;
  }
  // In id order: the same ids in another order (a card moved, rows re-sorted) keep the same stream.
  const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);
  const topics: LiveTopics = {};
  if (boards.length) topics.board = sorted(boards);
  if (worklists.length) topics.worklist = sorted(worklists);
  if (project.length) topics.project = sorted(project);
  if (group.length) topics.project_group = sorted(group);
  if (story.length) topics.story = sorted(story);
  if (query !== undefined) topics.query = query;
  return { topics, whole };
}

/** Every project's id when there are at most MAX_TOPICS of them (the reader's visible ones), else null. */
export function useAllProjectIds(enabled: boolean) {
  const projects = useQuery({
    queryKey: ["live-project-ids"],
    queryFn: async () => {
      const page = await apiPage<{ id: number }>("/projects", { limit: MAX_TOPICS, sort_field: "id", sort_dir: "asc" });
      return page.total !== null && page.total > MAX_TOPICS ? null : page.items.map((p) => p.id);
    },
    enabled,
    staleTime: 60_000,
    refetchInterval: 60_000, // a project made since the page opened is named within a minute
  });
  return { ids: projects.data ?? null, settled: !enabled || projects.isSuccess || projects.isError };
}

/** A story change (not a worklist's or board's own event): what can alter a list of stories or tasks. */
export const storyChange = (change: LiveChange) => change.story_id !== null;

/** Keep a list's queries fresh through the live stream (debounced), as far as its reach allows. */
export function useLiveList(
  reach: ListReach,
  keys: QueryKey[],
  { enabled = true, relevant }: { enabled?: boolean; relevant?: (change: LiveChange) => boolean } = {},
): LiveMode {
  const projects = useAllProjectIds(enabled && reach.bound === null);
  const { topics, whole } = listTopics(reach, projects.ids);
  const named = Object.keys(topics).length > 0;
  return useLiveQueries(topics, keys, {
    enabled: enabled && projects.settled,
    stream: named,
    relevant,
    alsoEvery: whole && named ? null : WIDE_EVERY_MS,
  });
}

/** A criterion as a term of the query language, matching at least what it matches (for a Task filter: the
 * stories of the tasks it matches); null when it has none (left out, the query then matches more). */
function criterionTerm(c: { field: string; value: string; negative?: boolean | null }): string | null {
  const value = String(c.value);
  if (c.negative) return null; // left out: the query matches more
  const id = /^\d+$/.test(value);
  const quoted = /^[^"]+$/.test(value) ? `"${value}"` : null;
  switch (c.field) {
    case "Project":
      return id ? `project:${value}` : null;
    case "ProjectGroup":
      return id ? `group:${value}` : null;
    case "Story":
      return id ? `#${value}` : null;
    case "User":
      return id ? `assignee:${value}` : null;
    case "Branch":
      return id ? `branch:${value}` : null;
    case "Milestone":
      return id ? `milestone:${value}` : null;
    case "StoryStatus":
      return ["active", "merged", "invalid"].includes(value) ? `status:${value}` : null;
    case "Tags":
      return quoted && `tag:${quoted}`;
    case "Query":
      return valid(`(${value})`) ? `(${value})` : null;
    default:
      return null; // TaskStatus, Team, Text, activity: left out
  }
}

function valid(query: string): boolean {
  try {
    parse(query);
    return true;
  } catch (e) {
    if (e instanceof QuerySyntaxError) return false;
    throw e;
  }
}

/** Queries ORed ("" matches every story, so any "" is ""); null when one has no query form or the result is
 * not a valid query (too long, too many terms). */
export function anyOf(queries: (string | null)[]): string | null {
  if (queries.length === 0 || queries.some((q) => q === null)) return null;
  if (queries.some((q) => q === "")) return "";
  const unique = [...new Set(queries as string[])];
  const query = unique.length === 1 ? (unique[0] as string) : unique.map((q) => `(${q})`).join(" OR ");
  return valid(query) ? query : null;
}

/** An automatic worklist's filters as one query matching at least its items' stories: each filter's criteria
 * ANDed (those without a query form left out), the filters ORed; null when it is not a valid query. */
export function filtersQuery(
  filters: { filter_criteria: { field: string; value: string; negative?: boolean | null }[] }[],
): string | null {
  if (filters.length === 0) return null;
  return anyOf(
    filters.map((f) =>
      f.filter_criteria
        .map(criterionTerm)
        .filter((t): t is string => t !== null)
        .join(" "),
    ),
  );
}

/** An automatic worklist's filters (ORed; each one's criteria ANDed): the projects, groups and stories its
 * items can come from, or null when one filter is not bound to any (it may match a story anywhere). */
export function filterBound(
  filters: { filter_criteria: { field: string; value: string; negative?: boolean | null }[] }[],
): ListReach["bound"] {
  const bound = { projects: [] as number[], groups: [] as number[], stories: [] as number[] };
  const lists = { Project: bound.projects, ProjectGroup: bound.groups, Story: bound.stories } as Record<string, number[]>;
  for (const f of filters) {
    // A filter's criteria all hold: one positive Project, ProjectGroup or Story criterion bounds it.
    const bounding = f.filter_criteria.find((c) => !c.negative && c.field in lists && /^\d+$/.test(String(c.value)));
    if (!bounding) return null;
    lists[bounding.field]?.push(Number(bounding.value));
  }
  return bound;
}

/** The bound of several automatic lists together (a board's automatic lanes): null when one is unbound. */
export function boundOfAll(bounds: ListReach["bound"][]): ListReach["bound"] {
  const all = { projects: [] as number[], groups: [] as number[], stories: [] as number[] };
  for (const b of bounds) {
    if (b === null) return null;
    all.projects.push(...b.projects);
    all.groups.push(...b.groups);
    all.stories.push(...b.stories);
  }
  return all;
}
