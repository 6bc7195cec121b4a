import { describe, expect, it } from "vitest";
import { describeEvent } from "./describeEvent";

describe("describeEvent", () => {
  it("reads event_info as StoryBoard's JSON string", () => {
    const info = JSON.stringify({ task_title: "Fix it", old_status: "todo", new_status: "inprogress" });
    expect(describeEvent({ event_type: "task_status_changed", event_info: info })).toBe(
      "moved task “Fix it” from Todo to In progress",
    );
  });
  it("copes with null and broken info", () => {
    expect(describeEvent({ event_type: "task_created", event_info: null })).toBe("added a task");
    expect(describeEvent({ event_type: "task_created", event_info: "{oops" })).toBe("added a task");
    expect(describeEvent({ event_type: "something_new", event_info: null })).toBe("something new");
  });
  it("names the file of attachment events", () => {
    const info = JSON.stringify({ attachment_id: 3, name: "fix.patch", size: 10 });
    expect(describeEvent({ event_type: "attachment_added", event_info: info })).toBe("attached “fix.patch”");
    expect(describeEvent({ event_type: "attachment_removed", event_info: info })).toBe(
      "removed the attachment “fix.patch”",
    );
    expect(describeEvent({ event_type: "attachment_added", event_info: null })).toBe("attached a file");
  });
  it("tells a duplicate mark apart from other details, without the number of a story it may not name", () => {
    const mark = (info: object) => describeEvent({ event_type: "story_details_changed", event_info: JSON.stringify(info) });
    expect(mark({ duplicate_marked: true, duplicate_of: 12 })).toBe("marked this story as a duplicate of #12");
    expect(mark({ duplicate_marked: true, duplicate_of: null })).toBe("marked this story as a duplicate");
    expect(mark({ duplicate_marked: false, duplicate_of: null, old_duplicate_of: 12 })).toBe("cleared the duplicate mark");
    expect(mark({ story_title: "x" })).toBe("changed the story's details");
  });
  it("says what a Launchpad activity entry changed, short values quoted, long ones left out", () => {
    const entry = (info: object) => describeEvent({ event_type: "imported_activity", event_info: JSON.stringify(info) });
    expect(entry({ what_changed: "nova: milestone", old_value: null, new_value: "kilo-1" })).toBe(
      "changed nova: milestone on Launchpad to “kilo-1”",
    );
    expect(entry({ what_changed: "security vulnerability", old_value: "no", new_value: "yes" })).toBe(
      "changed security vulnerability on Launchpad from “no” to “yes”",
    );
    expect(entry({ what_changed: "description", old_value: "x".repeat(200), new_value: null })).toBe(
      "changed description on Launchpad",
    );
    expect(entry({})).toBe("changed something on Launchpad");
  });
});
