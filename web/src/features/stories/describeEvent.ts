import type { TimelineEvent } from "../../api/types";
import { STATUS_LABELS } from "../../lib/status";

type Info = Record<string, unknown>;

function parseInfo(raw: unknown): Info {
  if (typeof raw !== "string") return (raw as Info | null) ?? {};
  try {
    return (JSON.parse(raw) as Info | null) ?? {};
  } catch {
    return {};
  }
}

const label = (s: unknown) => STATUS_LABELS[String(s)] ?? String(s);

/** One line saying what a timeline event did (comments are shown by their text instead). */
export function describeEvent(event: Pick<TimelineEvent, "event_type" | "event_info">): string {
  const info = parseInfo(event.event_info);
  const task = info.task_title ? `task “${String(info.task_title)}”` : "a task";
  switch (event.event_type) {
    case "story_created":
      return "created this story";
    case "story_details_changed":
      if ("duplicate_marked" in info) {
        if (!info.duplicate_marked) return "cleared the duplicate mark";
        return info.duplicate_of ? `marked this story as a duplicate of #${String(info.duplicate_of)}` : "marked this story as a duplicate";
      }
      return "changed the story's details";
    case "user_comment":
      return "commented";
    case "tags_added":
      return `added tags ${(info.tags as string[] | undefined)?.join(", ") ?? ""}`.trim();
    case "tags_deleted":
      return `removed tags ${(info.tags as string[] | undefined)?.join(", ") ?? ""}`.trim();
    case "task_created":
      return `added ${task}`;
    case "task_details_changed":
      return `changed ${task}`;
    case "task_status_changed":
      return `moved ${task} from ${label(info.old_status)} to ${label(info.new_status)}`;
    case "task_priority_changed":
      return `changed the priority of ${task} from ${String(info.old_priority)} to ${String(info.new_priority)}`;
    case "task_assignee_changed":
      return `assigned ${task} to ${String(info.new_assignee_fullname ?? "someone")} (was ${String(
        info.old_assignee_fullname ?? "unassigned",
      )})`;
    case "task_deleted":
      return `deleted ${task}`;
    case "attachment_added":
      return `attached ${info.name ? `“${String(info.name)}”` : "a file"}`;
    case "attachment_removed":
      return `removed the attachment ${info.name ? `“${String(info.name)}”` : ""}`.trim();
    case "imported_activity": {
      // A Launchpad activity entry with no Storyline event of its own: what changed, from what to what.
      const what = info.what_changed ? String(info.what_changed) : "something";
      const short = (v: unknown) => (typeof v === "string" && v.length <= 80 ? `“${v}”` : null);
      const from = short(info.old_value);
      const to = short(info.new_value);
      const change = [from && `from ${from}`, to && `to ${to}`].filter(Boolean).join(" ");
      return `changed ${what} on Launchpad${change ? ` ${change}` : ""}`;
    }
    default:
      return event.event_type.replace(/_/g, " ");
  }
}
