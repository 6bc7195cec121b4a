import { describe, expect, it } from "vitest";
import {
  describeInboxEvent,
  inboxTarget,
  isRead,
  markAllRead,
  markOneRead,
  readPreferences,
  readState,
  unreadCount,
  unreadLabel,
} from "./NotificationInbox";

describe("the read state in preferences", () => {
  it("is nothing read without the keys, or with broken ones", () => {
    expect(readState(null)).toEqual({ mark: 0, ids: [] });
    expect(readState({ notifications_inbox_read: "x", notifications_inbox_read_ids: 7 })).toEqual({ mark: 0, ids: [] });
    expect(readState({ notifications_inbox_read: -3 })).toEqual({ mark: 0, ids: [] });
  });
  it("reads the mark and the single ids above it, sorted, once each", () => {
    const s = readState({ notifications_inbox_read: 10, notifications_inbox_read_ids: "15, 12,x,9,15" });
    expect(s).toEqual({ mark: 10, ids: [12, 15] });
    expect(readState({ notifications_inbox_read: "10" }).mark).toBe(10);
    expect([9, 10, 11, 12, 15, 16].map((i) => isRead(s, i))).toEqual([true, true, false, true, true, false]);
  });
  it("is written back as the two keys, the list deleted when empty and cut to fit", () => {
    expect(readPreferences({ mark: 10, ids: [12, 15] })).toEqual({ notifications_inbox_read: 10, notifications_inbox_read_ids: "12,15" });
    expect(readPreferences({ mark: 10, ids: [] })).toEqual({ notifications_inbox_read: 10, notifications_inbox_read_ids: null });
    const many = Array.from({ length: 100 }, (_, i) => 1_000_000 + i);
    const text = readPreferences({ mark: 1, ids: many }).notifications_inbox_read_ids as string;
    expect(text.length).toBeLessThanOrEqual(255);
    expect(text.endsWith("1000099")).toBe(true);
  });
});

describe("marking read", () => {
  it("marks everything up to the newest", () => {
    expect(markAllRead({ mark: 3, ids: [5, 9] }, 7)).toEqual({ mark: 7, ids: [9] });
    expect(markAllRead({ mark: 8, ids: [] }, 7)).toEqual({ mark: 8, ids: [] });
  });
  it("marks one entry, moving the mark over entries read in a row", () => {
    // The inbox: 2 4 6 8 (all loaded), 2 read by the mark.
    const s = { mark: 2, ids: [] };
    const one = markOneRead(s, 6, [8, 6, 4, 2], true);
    expect(one).toEqual({ mark: 2, ids: [6] });
    expect(markOneRead(one, 4, [8, 6, 4, 2], true)).toEqual({ mark: 6, ids: [] });
    expect(markOneRead(one, 6, [8, 6, 4, 2], true)).toBe(one);
  });
  it("does not move the mark over entries it has not seen", () => {
    // Only the newest page (8, 6) is loaded and it does not reach the mark: 4 may be unread.
    expect(markOneRead({ mark: 2, ids: [] }, 6, [8, 6], false)).toEqual({ mark: 2, ids: [6] });
    // A page reaching below the mark shows everything in between.
    expect(markOneRead({ mark: 5, ids: [] }, 6, [8, 6, 4], false)).toEqual({ mark: 6, ids: [] });
  });
});

describe("the unread count", () => {
  const s = { mark: 4, ids: [7] };
  it("counts the unread entries when the loaded ones reach the mark or are all", () => {
    expect(unreadCount(s, [9, 8, 7, 4, 3], 40)).toEqual({ count: 2, more: false });
    expect(unreadCount(s, [9, 8, 7], 3)).toEqual({ count: 2, more: false });
    expect(unreadCount(s, [], 0)).toEqual({ count: 0, more: false });
  });
  it("is a lower bound when more entries lie beyond", () => {
    expect(unreadCount(s, [12, 11, 9], 80)).toEqual({ count: 3, more: true });
    expect(unreadLabel({ count: 3, more: true })).toBe("3+");
    expect(unreadLabel({ count: 2, more: false })).toBe("2");
    expect(unreadLabel({ count: 0, more: false })).toBe("");
  });
});

describe("inbox entries", () => {
  const entry = (event_type: string, info: unknown, author_id: number | null = 3) => ({
    id: 1,
    event_type,
    event_info: JSON.stringify(info),
    author_id,
  });
  it("lead to the story (a comment's own place on it), the worklist or the webhooks", () => {
    expect(inboxTarget(entry("user_comment", { story_id: 7, story_title: "Boot fails", comment_id: 3 }))).toEqual({
      to: "/story/7#comment-3",
      label: "#7 Boot fails",
    });
    expect(inboxTarget(entry("task_created", { story_id: 7, task_title: "Fix" }))).toEqual({ to: "/story/7", label: "story #7" });
    expect(inboxTarget(entry("worklist_created", { worklist_id: 2, worklist_title: "Triage" }))).toEqual({
      to: "/worklist/2",
      label: "worklist Triage",
    });
    expect(inboxTarget(entry("webhook_disabled", { webhook_id: 1 }))?.to).toBe("/webhooks");
    expect(inboxTarget(entry("team_member_added", { team_name: "core" }))).toBeNull();
    expect(inboxTarget({ id: 1, event_type: "user_comment", event_info: "not json" })).toBeNull();
  });
  it("say what happened", () => {
    expect(describeInboxEvent(entry("user_comment", { story_id: 7 })).text).toBe("commented on");
    expect(describeInboxEvent(entry("task_status_changed", { story_id: 7, task_title: "Fix", old_status: "todo", new_status: "merged" })).text).toBe(
      "moved task “Fix” from Todo to Merged in",
    );
    expect(describeInboxEvent(entry("team_member_added", { team_name: "core", private_stories: 2 })).text).toBe(
      "added you to team core. It concerns 2 private stories; their audit logs record it.",
    );
    const hook = describeInboxEvent(entry("webhook_disabled", { url: "https://x.example/h", failures: 40, last_error: "HTTP 500" }, null));
    expect(hook).toEqual({ text: "A webhook to https://x.example/h was turned off after 40 failed deliveries (last: HTTP 500). See", standalone: true });
    expect(describeInboxEvent(entry("worklist_contents_changed", { worklist_id: 2 })).text).toBe("changed the items of");
    expect(describeInboxEvent(entry("embargo_expired", { story_id: 2 }, null)).standalone).toBe(true);
  });
});
