// E-mail choices kept as user preferences (src/storyline/notifications/preferences.py):
// `notifications_email` ("immediate" | "daily" | "weekly" | "never") and `notifications_email_muted`
// (event types not e-mailed, comma-separated).
import { EVENT_LABELS } from "../features/preferences/prefs";

export const EMAIL_MODE_KEY = "notifications_email";
export const EMAIL_MUTED_KEY = "notifications_email_muted";

export const EMAIL_MODES = [
  { value: "immediate", label: "At once", help: "one e-mail per change someone else makes" },
  { value: "daily", label: "Daily digest", help: "one e-mail a day, grouped by story" },
  { value: "weekly", label: "Weekly digest", help: "one e-mail a week, grouped by story" },
  { value: "never", label: "Never", help: "no e-mail; the inbox still lists everything" },
] as const;
export type EmailMode = (typeof EMAIL_MODES)[number]["value"];

/** The event types that are e-mailed (a story's, a worklist's and a board's), as
 * src/storyline/timeline/types.py names them, with the words the page shows. */
export const MAILED_EVENT_TYPES: { type: string; label: string }[] = [
  ...Object.entries(EVENT_LABELS).map(([type, label]) => ({ type, label })),
  { type: "attachment_added", label: "Attachment added" },
  { type: "attachment_removed", label: "Attachment removed" },
  { type: "story_disclosed", label: "Security story disclosed" },
  { type: "worklist_created", label: "Worklist created" },
  { type: "worklist_details_changed", label: "Worklist details changed" },
  { type: "worklist_contents_changed", label: "Worklist items changed" },
  { type: "worklist_filters_changed", label: "Worklist criteria changed" },
  { type: "worklist_permission_created", label: "Worklist permission added" },
  { type: "worklist_permissions_changed", label: "Worklist permissions changed" },
  { type: "board_created", label: "Board created" },
  { type: "board_details_changed", label: "Board details changed" },
  { type: "board_lanes_changed", label: "Board lanes changed" },
  { type: "board_permission_created", label: "Board permission added" },
  { type: "board_permissions_changed", label: "Board permissions changed" },
];

const isMode = (v: unknown): v is EmailMode => EMAIL_MODES.some((m) => m.value === v);
const truthy = (v: unknown) => v === true || (typeof v === "string" && ["true", "1", "yes", "on"].includes(v.trim().toLowerCase()));

/** The e-mail mode in force. Without `notifications_email`, StoryBoard's digest switch means "daily".
 * (StoryBoard's `plugin_email_enable` cannot be read here: GET preferences merges a default false over
 * it, so a stored false and no choice at all look the same; the server's default, "immediate", is shown.) */
export function emailMode(prefs: Record<string, unknown> | null | undefined): EmailMode {
  const mode = prefs?.[EMAIL_MODE_KEY];
  if (isMode(mode)) return mode;
  return truthy(prefs?.plugin_email_digest) ? "daily" : "immediate";
}

/** The muted event types, once each, in stored order. */
export function mutedTypes(prefs: Record<string, unknown> | null | undefined): string[] {
  const raw = prefs?.[EMAIL_MUTED_KEY];
  if (typeof raw !== "string") return [];
  return [...new Set(raw.split(",").map((p) => p.trim()).filter(Boolean))];
}

/** The preferences to POST: a null deletes the muted list (the API refuses an empty string). */
export function emailPreferences(mode: EmailMode, muted: readonly string[]): Record<string, string | null> {
  const types = [...new Set(muted.map((t) => t.trim()).filter(Boolean))];
  return { [EMAIL_MODE_KEY]: mode, [EMAIL_MUTED_KEY]: types.length > 0 ? types.join(",") : null };
}

/** What a subscription's target is called on the page, and where it is. */
export function subscriptionTarget(targetType: string, targetId: number): { label: string; to: string | null } {
  switch (targetType) {
    case "story":
      return { label: `Story #${targetId}`, to: `/story/${targetId}` };
    case "project":
      return { label: `Project #${targetId}`, to: `/project/${targetId}` };
    case "project_group":
      return { label: `Project group #${targetId}`, to: `/project-group/${targetId}` };
    case "worklist":
      return { label: `Worklist #${targetId}`, to: `/worklist/${targetId}` };
    case "board":
      return { label: `Board #${targetId}`, to: `/board/${targetId}` };
    case "task":
      return { label: `Task #${targetId}`, to: null };
    default:
      return { label: `${targetType} #${targetId}`, to: null };
  }
}
