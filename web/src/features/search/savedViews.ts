// Saved views, kept on the server (/preview/views, docs/search.md "Saved views"): a named query with its
// columns and order, owned by its author, optionally shared with a team and pinned to the home page or a
// project's page. Views saved before, as user preferences ("web_view:<name>" -> query), move to the server
// the first time the views are read (useViews), and their preference keys are then removed.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { api, get } from "../../api/client";
import { errorFor } from "../../components/FieldError";
import type { Preferences } from "../preferences/prefs";
import { usePreferences } from "../preferences/usePreferences";

export const VIEW_PREFIX = "web_view:";
export const MAX_VIEW_NAME = 100;
export const MAX_VIEW_QUERY = 1000;

export interface SavedView {
  id: number;
  owner_id: number;
  team_id: number | null;
  name: string;
  query: string;
  columns: string[] | null;
  sort: string | null;
  pinned_home: boolean;
  project_id: number | null;
  mine: boolean;
}

export interface ViewFields {
  name?: string;
  query?: string;
  columns?: string[] | null;
  team_id?: number | null;
  pinned_home?: boolean;
  project_id?: number | null;
}

/** The columns a story list can show (a view's `columns`, the server's views.COLUMNS), and the default set. */
export const VIEW_COLUMNS = ["id", "title", "status", "progress", "assignees", "tags", "updated", "created", "project", "creator"] as const;
export type ViewColumn = (typeof VIEW_COLUMNS)[number];
export const DEFAULT_COLUMNS: ViewColumn[] = ["id", "title", "status", "progress", "assignees", "tags", "updated"];

/** The known columns of a `columns=` parameter (comma separated), in their order; null when none is known. */
export function readColumns(param: string | null | undefined): ViewColumn[] | null {
  const known = (param ?? "")
    .split(",")
    .map((c) => c.trim())
    .filter((c): c is ViewColumn => (VIEW_COLUMNS as readonly string[]).includes(c));
  return known.length > 0 ? [...new Set(known)] : null;
}

/** A view's query with its sort (a sort: in the query wins, as on the server). */
export function viewQuery(view: Pick<SavedView, "query" | "sort">): string {
  if (!view.sort || /(^|[\s(])-?sort:/i.test(view.query)) return view.query;
  return `${view.query} sort:${view.sort}`.trim();
}

/** Where a view opens: the Stories page with its query, sort and columns. */
export function viewLink(view: Pick<SavedView, "id" | "query" | "sort" | "columns">): string {
  const columns = view.columns && view.columns.length > 0 ? `&columns=${view.columns.map(encodeURIComponent).join(",")}` : "";
  return `/stories?q=${encodeURIComponent(viewQuery(view))}${columns}&view=${view.id}`;
}

/** The views kept as preferences by earlier versions, by name: what moves to the server. */
export function legacyViews(prefs: Preferences | null | undefined): { name: string; query: string }[] {
  return Object.entries(prefs ?? {})
    .filter(([key, value]) => key.startsWith(VIEW_PREFIX) && typeof value === "string" && value.trim() !== "")
    .map(([key, value]) => ({ name: key.slice(VIEW_PREFIX.length), query: value as string }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** What moving the legacy views does: the views to create (those whose name is not taken yet) and the
 * preference change that removes every legacy key. */
export function migration(legacy: { name: string; query: string }[], existing: SavedView[]) {
  const taken = new Set(existing.filter((v) => v.mine).map((v) => v.name));
  return {
    create: legacy.filter((v) => !taken.has(v.name.trim().slice(0, MAX_VIEW_NAME))).map((v) => ({ name: v.name.trim().slice(0, MAX_VIEW_NAME), query: v.query.trim() })),
    clear: Object.fromEntries(legacy.map((v) => [VIEW_PREFIX + v.name, null])) as Record<string, null>,
  };
}

/** A view's fields checked before they are sent (the server checks them too, the query's grammar included). */
export function viewProblem(name: string, query: string): string | null {
  const clean = name.trim();
  if (!clean) return "Give the view a name.";
  if (clean.length > MAX_VIEW_NAME) return `A view's name has at most ${MAX_VIEW_NAME} characters.`;
  if (query.length > MAX_VIEW_QUERY) return `A saved query has at most ${MAX_VIEW_QUERY} characters.`;
  return null;
}

/** What went wrong with a change of a view, said with what was tried: "Could not pin “Mine” to the home page:
 * View 7 not found". */
export function changeProblem(what: string, error: unknown): string | null {
  const message = errorFor(error, "*");
  return message ? `Could not ${what}: ${message}` : null;
}

/** Change (PUT, only the fields given) or delete (null) one of one's views; the views are read again
 * afterwards, refused or not (a view deleted meanwhile goes from the page). `problem` says what failed. */
export function useViewChange() {
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: ({ id, body }: { id: number; body: ViewFields | null; what: string }) =>
      body === null ? api<unknown>("DELETE", `/preview/views/${id}`) : api<SavedView>("PUT", `/preview/views/${id}`, undefined, body),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["views"] }),
  });
  return {
    /** `what` completes "Could not …" should the server refuse. */
    change: (view: Pick<SavedView, "id">, body: ViewFields | null, what: string) => mutation.mutate({ id: view.id, body, what }),
    busy: mutation.isPending,
    problem: mutation.variables ? changeProblem(mutation.variables.what, mutation.error) : null,
  };
}

export type ViewChange = ReturnType<typeof useViewChange>;

/** The teams the reader may share a view with. */
export function useShareTeams(enabled: boolean) {
  return useQuery({ queryKey: ["view-teams"], queryFn: () => get<{ id: number; name: string }[]>("/preview/views/teams"), enabled });
}

/** The reader's views and those shared with their teams (none when logged out), filtered here; moves the
 * legacy views first. */
export function useViews(filter: { pinned_home?: boolean; project_id?: number; mine?: boolean } = {}) {
  const prefs = usePreferences();
  const queryClient = useQueryClient();
  const moved = useRef<number | undefined>(undefined);
  const userId = prefs.userId;
  const views = useQuery({
    queryKey: ["views", userId ?? null],
    queryFn: () => get<SavedView[]>("/preview/views", { sort_field: "name", limit: 500 }),
    enabled: userId !== undefined,
  });
  const legacy = legacyViews(prefs.data);
  useEffect(() => {
    // Once per page load and user: a view the server refuses stays a preference until the next load.
    if (userId === undefined || legacy.length === 0 || moved.current === userId || !views.data) return;
    moved.current = userId;
    const { create, clear } = migration(legacy, views.data);
    void (async () => {
      const kept = new Set<string>();
      for (const v of create) {
        try {
          await api("POST", "/preview/views", undefined, { ...v, pinned_home: true });
        } catch {
          kept.add(VIEW_PREFIX + v.name);
        }
      }
      const removed = Object.fromEntries(Object.entries(clear).filter(([key]) => !kept.has(key)));
      if (Object.keys(removed).length > 0) {
        const saved = await api<Preferences>("POST", `/users/${userId}/preferences`, undefined, removed);
        queryClient.setQueryData(["preferences", userId], saved);
      }
      await queryClient.invalidateQueries({ queryKey: ["views"] });
    })().catch(() => undefined); // the legacy keys then stay, and move on the next load
  }, [userId, legacy, views.data, queryClient]);
  const shown = (views.data ?? []).filter(
    (v) =>
      (filter.pinned_home === undefined || v.pinned_home === filter.pinned_home) &&
      (filter.project_id === undefined || v.project_id === filter.project_id) &&
      (filter.mine === undefined || v.mine === filter.mine),
  );
  return { views: shown, loaded: prefs.settled && (userId === undefined || views.isSuccess), userId };
}
