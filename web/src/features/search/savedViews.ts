// Saved views: a named query kept as a user preference (`/v1/users/{id}/preferences`), one key per
// view: "web_view:<name>" -> the query (preference strings have at most 255 characters).
import type { Preferences } from "../preferences/prefs";

export const VIEW_PREFIX = "web_view:";
export const MAX_VIEW_NAME = 100 - VIEW_PREFIX.length;
export const MAX_VIEW_QUERY = 255;

export interface SavedView {
  name: string;
  query: string;
}

/** The saved views in a preferences object, by name. */
export function savedViews(prefs: Preferences | null | undefined): SavedView[] {
  return Object.entries(prefs ?? {})
    .filter(([key, value]) => key.startsWith(VIEW_PREFIX) && typeof value === "string")
    .map(([key, value]) => ({ name: key.slice(VIEW_PREFIX.length), query: value as string }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The preference change that saves (or, with query null, deletes) a view; an error message instead when it cannot be kept. */
export function viewChange(name: string, query: string | null): Record<string, string | null> | string {
  const clean = name.trim();
  if (!clean) return "Give the view a name.";
  if (clean.length > MAX_VIEW_NAME) return `A view's name has at most ${MAX_VIEW_NAME} characters.`;
  if (query !== null && !query.trim()) return "There is no query to save.";
  if (query !== null && query.length > MAX_VIEW_QUERY) return `A saved query has at most ${MAX_VIEW_QUERY} characters.`;
  return { [VIEW_PREFIX + clean]: query === null ? null : query.trim() };
}
