// The notification inbox (`/v1/subscription_events`, the reader's own): what is read, what each entry
// says and where it leads. The API has no read flag, so what the reader has read is kept in their
// preferences (docs/notifications.md, "Inbox"):
// - `notifications_inbox_read`: the highest inbox id read; it and every older entry are read;
// - `notifications_inbox_read_ids`: entries above it read one at a time (comma-separated ids).
import { describeEvent } from "../features/stories/describeEvent";

export const INBOX_READ_KEY = "notifications_inbox_read";
export const INBOX_READ_IDS_KEY = "notifications_inbox_read_ids";
/** Entries the header reads to count the unread ones; more than that shows as "50+". */
export const INBOX_COUNT_WINDOW = 50;
/** A preference value is at most 255 characters. */
const MAX_IDS_TEXT = 255;

export interface ReadState {
  /** Every entry up to this id is read. */
  mark: number;
  /** Entries above the mark read one by one, ascending. */
  ids: number[];
}

const asId = (v: unknown): number | null => {
  const n = typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : null;
};

/** The read state kept in a user's preferences (nothing read when the keys are absent or broken). */
export function readState(prefs: Record<string, unknown> | null | undefined): ReadState {
  const mark = asId(prefs?.[INBOX_READ_KEY]) ?? 0;
  const raw = prefs?.[INBOX_READ_IDS_KEY];
  const ids = typeof raw === "string" ? raw.split(",").map((p) => asId(p.trim())) : [];
  return { mark, ids: [...new Set(ids.filter((i): i is number => i !== null && i > mark))].sort((a, b) => a - b) };
}

export function isRead(state: ReadState, id: number): boolean {
  return id <= state.mark || state.ids.includes(id);
}

/** The preferences to POST for a read state (a null deletes the list of single ids). */
export function readPreferences(state: ReadState): Record<string, number | string | null> {
  let ids = state.ids.filter((i) => i > state.mark);
  // The newest single reads are kept when the list would not fit in one preference value.
  while (ids.length > 0 && ids.join(",").length > MAX_IDS_TEXT) ids = ids.slice(1);
  return { [INBOX_READ_KEY]: state.mark, [INBOX_READ_IDS_KEY]: ids.length > 0 ? ids.join(",") : null };
}

/** Everything up to `newest` read. */
export function markAllRead(state: ReadState, newest: number): ReadState {
  const mark = Math.max(state.mark, newest);
  return { mark, ids: state.ids.filter((i) => i > mark) };
}

/** One entry read. The mark then moves up over entries read in a row, as far as the entries loaded
 * (`loaded`, ids) show that no unread one lies in between: they must reach down to the mark, or be
 * the whole inbox (`complete`). */
export function markOneRead(state: ReadState, id: number, loaded: readonly number[], complete: boolean): ReadState {
  if (isRead(state, id)) return state;
  let mark = state.mark;
  const ids = new Set([...state.ids, id]);
  if (complete || loaded.some((i) => i <= mark)) {
    for (const i of [...loaded].filter((i) => i > mark).sort((a, b) => a - b)) {
      if (!ids.has(i)) break;
      mark = i;
    }
  }
  return { mark, ids: [...ids].filter((i) => i > mark).sort((a, b) => a - b) };
}

/** The unread entries among the newest ones loaded (`ids`, of `total` in the inbox): an exact count, or
 * a lower bound (`more`) when unread entries may lie beyond what was loaded. */
export function unreadCount(state: ReadState, ids: readonly number[], total: number | null): { count: number; more: boolean } {
  const count = ids.filter((i) => !isRead(state, i)).length;
  const everything = total !== null && total <= ids.length;
  const reachesMark = ids.some((i) => i <= state.mark);
  return { count, more: !everything && !reachesMark && ids.length > 0 };
}

/** "3", "50+", or "" when nothing is unread. */
export function unreadLabel(u: { count: number; more: boolean }): string {
  if (u.count === 0) return "";
  return u.more ? `${u.count}+` : String(u.count);
}

export interface InboxEntry {
  id: number;
  event_type: string;
  event_info?: string | null;
  author_id?: number | null;
}

export type Info = Record<string, unknown>;

export function infoOf(raw: string | null | undefined): Info {
  try {
    const v = JSON.parse(raw ?? "null") as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Info) : {};
  } catch {
    return {};
  }
}

/** Where an entry leads: its story, worklist or webhook page, with the words of the link. */
export interface InboxTarget {
  to: string;
  label: string;
}

export function inboxTarget(e: InboxEntry): InboxTarget | null {
  const info = infoOf(e.event_info);
  if (typeof info.story_id === "number") {
    const title = typeof info.story_title === "string" && info.story_title ? ` ${info.story_title}` : "";
    const anchor = typeof info.comment_id === "number" ? `#comment-${info.comment_id}` : "";
    return { to: `/story/${info.story_id}${anchor}`, label: title ? `#${info.story_id}${title}` : `story #${info.story_id}` };
  }
  if (typeof info.worklist_id === "number") {
    const title = typeof info.worklist_title === "string" && info.worklist_title ? ` ${info.worklist_title}` : "";
    return { to: `/worklist/${info.worklist_id}`, label: title ? `worklist${title}` : `worklist #${info.worklist_id}` };
  }
  if (e.event_type === "webhook_disabled") return { to: "/webhooks", label: "your webhooks" };
  return null;
}

const WORKLIST_TEXT: Record<string, string> = {
  worklist_created: "created",
  worklist_details_changed: "changed the details of",
  worklist_filters_changed: "changed the filters of",
  worklist_contents_changed: "changed the items of",
  worklist_permission_created: "changed who may edit",
  worklist_permissions_changed: "changed who may edit",
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What happened, after the author's name (or on its own when `standalone`: no author to name). */
export function describeInboxEvent(e: InboxEntry): { text: string; standalone: boolean } {
  const info = infoOf(e.event_info);
  const str = (k: string) => (typeof info[k] === "string" ? (info[k] as string) : "");
  const privateNote = typeof info.private_stories === "number" && info.private_stories > 0
    ? ` It concerns ${plural(info.private_stories, "private story", "private stories")}; their audit logs record it.`
    : "";
  switch (e.event_type) {
    case "story_created":
      return { text: "created", standalone: false };
    case "story_details_changed":
      return { text: "changed the details of", standalone: false };
    case "story_disclosed":
      return { text: "disclosed", standalone: e.author_id == null };
    case "user_comment":
      return { text: "commented on", standalone: false };
    case "embargo_expired":
      return { text: "The embargo ended on", standalone: true };
    case "story_access_recovered":
      return { text: "(a superuser) added themselves to the access list of", standalone: false };
    case "webhook_disabled":
      return {
        text: `A webhook to ${str("url") || "its address"} was turned off after ${plural(Number(info.failures) || 0, "failed delivery", "failed deliveries")}${
          str("last_error") ? ` (last: ${str("last_error").slice(0, 120)})` : ""
        }. See`,
        standalone: true,
      };
    case "user_token_created":
      return { text: `created an API token${str("name") ? ` “${str("name")}”` : ""} for your account.${privateNote}`, standalone: false };
    case "team_member_added":
      return { text: `added you to ${str("team_name") ? `team ${str("team_name")}` : "a team"}.${privateNote}`, standalone: false };
    case "team_member_removed":
      return { text: `removed you from ${str("team_name") ? `team ${str("team_name")}` : "a team"}.${privateNote}`, standalone: false };
    default:
      if (e.event_type in WORKLIST_TEXT) return { text: WORKLIST_TEXT[e.event_type] ?? "", standalone: false };
      return { text: `${describeEvent({ event_type: e.event_type, event_info: e.event_info ?? null })} in`, standalone: false };
  }
}
