// User preferences (StoryBoard's keys, stored through /v1/users/{id}/preferences) that the web
// client applies: list and timeline page sizes and the event types shown in a story's timeline.
export type Preferences = Record<string, unknown>;

export const EVENT_TYPES = [
  "story_created",
  "story_details_changed",
  "user_comment",
  "tags_added",
  "tags_deleted",
  "task_created",
  "task_details_changed",
  "task_status_changed",
  "task_priority_changed",
  "task_assignee_changed",
  "task_deleted",
] as const;

export const EVENT_LABELS: Record<string, string> = {
  story_created: "Story created",
  story_details_changed: "Story details changed",
  user_comment: "Comments",
  tags_added: "Tags added",
  tags_deleted: "Tags removed",
  task_created: "Task added",
  task_details_changed: "Task details changed",
  task_status_changed: "Task status changed",
  task_priority_changed: "Task priority changed",
  task_assignee_changed: "Task assignee changed",
  task_deleted: "Task deleted",
};

export const PAGE_SIZE_KEYS = {
  project_detail_page_size: "Stories per page on a project page",
  project_group_detail_stories_page_size: "Stories per page on a project group page",
  story_detail_page_size: "Events per page on a story's timeline",
} as const;
export type PageSizeKey = keyof typeof PAGE_SIZE_KEYS;
export const MIN_PAGE_SIZE = 5;
export const MAX_PAGE_SIZE = 100;
/** The timeline's page when the reader has no usable preference (a visitor, for one). */
export const TIMELINE_PAGE_SIZE = 50;

/** StoryBoard stored booleans as strings too: true and "true" mean the same. */
export function isOn(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  return typeof value === "string" && value.trim().toLowerCase() === "true";
}

/** The event types to ask for, or null when every type is shown (no filter at all). */
export function shownEventTypes(prefs: Preferences | null | undefined): string[] | null {
  if (!prefs) return null;
  const shown = EVENT_TYPES.filter((t) => {
    const v = prefs[`display_events_${t}`];
    return v === undefined || isOn(v);
  });
  return shown.length === EVENT_TYPES.length ? null : shown;
}

/** A stored page size, when it is a usable one. */
export function pageSize(prefs: Preferences | null | undefined, key: PageSizeKey): number | null {
  const raw = prefs?.[key];
  const n = typeof raw === "string" && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
  return typeof n === "number" && Number.isInteger(n) && n >= MIN_PAGE_SIZE && n <= MAX_PAGE_SIZE ? n : null;
}

/** How many events a story's timeline loads at a time: the reader's preference, else the default. */
export function timelinePageSize(prefs: Preferences | null | undefined): number {
  return pageSize(prefs, "story_detail_page_size") ?? TIMELINE_PAGE_SIZE;
}

/** The offset of the timeline's next page, or undefined when the pages loaded hold every event: the
 * last page came back short, or as many events as the total are loaded. */
export function nextEventsOffset(
  pages: readonly { items: readonly unknown[]; total: number | null }[],
  size: number,
): number | undefined {
  const last = pages[pages.length - 1];
  if (!last) return 0;
  const seen = pages.reduce((n, p) => n + p.items.length, 0);
  return last.items.length >= size && (last.total === null || seen < last.total) ? seen : undefined;
}

/** The error for a page size typed in the form, naming the field; null when it is fine. */
export function pageSizeError(label: string, text: string): string | null {
  const t = text.trim();
  if (!/^\d+$/.test(t) || Number(t) < MIN_PAGE_SIZE || Number(t) > MAX_PAGE_SIZE) {
    return `${label}: a whole number from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE}.`;
  }
  return null;
}
