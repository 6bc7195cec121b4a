import { describe, expect, it } from "vitest";
import { EVENT_TYPES } from "../features/preferences/prefs";
import { storyboardRedirect } from "./storyboard";
import { emailMode, emailPreferences, MAILED_EVENT_TYPES, mutedTypes, subscriptionTarget } from "./NotificationPreferences";

describe("e-mail preferences", () => {
  it("read the mode, falling back on the server's default and StoryBoard's digest switch", () => {
    expect(emailMode(null)).toBe("immediate");
    expect(emailMode({ notifications_email: "weekly" })).toBe("weekly");
    expect(emailMode({ notifications_email: "hourly" })).toBe("immediate");
    expect(emailMode({ plugin_email_enable: false, plugin_email_digest: false })).toBe("immediate");
    expect(emailMode({ plugin_email_digest: "true" })).toBe("daily");
    expect(emailMode({ notifications_email: "never", plugin_email_digest: true })).toBe("never");
  });
  it("read the muted types once each", () => {
    expect(mutedTypes({ notifications_email_muted: "user_comment, tags_added,,user_comment" })).toEqual(["user_comment", "tags_added"]);
    expect(mutedTypes({ notifications_email_muted: 3 })).toEqual([]);
    expect(mutedTypes(undefined)).toEqual([]);
  });
  it("write both keys, deleting an empty muted list", () => {
    expect(emailPreferences("daily", ["tags_added", "tags_deleted"])).toEqual({
      notifications_email: "daily",
      notifications_email_muted: "tags_added,tags_deleted",
    });
    expect(emailPreferences("never", [])).toEqual({ notifications_email: "never", notifications_email_muted: null });
  });
  it("offer every story, worklist and board event type to mute, each once", () => {
    const types = MAILED_EVENT_TYPES.map((t) => t.type);
    expect(new Set(types).size).toBe(types.length);
    for (const t of EVENT_TYPES) expect(types).toContain(t);
    expect(types).toContain("attachment_added");
    expect(types).toContain("story_disclosed");
    expect(types).toContain("worklist_contents_changed");
    expect(types).toContain("board_lanes_changed"); // boards can be followed
  });
});

describe("subscription targets", () => {
  it("are named and linked", () => {
    expect(subscriptionTarget("project_group", 4)).toEqual({ label: "Project group #4", to: "/project-group/4" });
    expect(subscriptionTarget("task", 9)).toEqual({ label: "Task #9", to: null });
    expect(subscriptionTarget("board", 5)).toEqual({ label: "Board #5", to: "/board/5" });
  });
});

describe("the address e-mails link to", () => {
  it("opens the notification preferences", () => {
    expect(storyboardRedirect("#!/preferences")).toBe("/preferences#notifications");
    expect(storyboardRedirect("#!/profile/preferences")).toBe("/preferences#notifications");
    expect(storyboardRedirect("#!/preferencesx")).toBeNull();
  });
});
