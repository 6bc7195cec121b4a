import { describe, expect, it } from "vitest";
import { EVENT_TYPES, pageSize, pageSizeError, shownEventTypes } from "./prefs";

describe("shownEventTypes", () => {
  it("asks for no filter when everything is shown", () => {
    expect(shownEventTypes(null)).toBeNull();
    expect(shownEventTypes({ display_events_user_comment: true, page_size: 10 })).toBeNull();
  });
  it("leaves out the types turned off, booleans or StoryBoard's strings", () => {
    const shown = shownEventTypes({ display_events_task_created: false, display_events_tags_added: "False" });
    expect(shown).toHaveLength(EVENT_TYPES.length - 2);
    expect(shown).not.toContain("task_created");
    expect(shown).not.toContain("tags_added");
    expect(shown).toContain("user_comment");
  });
});

describe("page sizes", () => {
  it("uses stored sizes in range only", () => {
    expect(pageSize({ project_detail_page_size: 40 }, "project_detail_page_size")).toBe(40);
    expect(pageSize({ project_detail_page_size: "20" }, "project_detail_page_size")).toBe(20);
    expect(pageSize({ project_detail_page_size: 4000 }, "project_detail_page_size")).toBeNull();
    expect(pageSize({}, "project_detail_page_size")).toBeNull();
  });
  it("names the field in the error", () => {
    expect(pageSizeError("Stories per page", "12")).toBeNull();
    expect(pageSizeError("Stories per page", "1000")).toBe("Stories per page: a whole number from 5 to 100.");
    expect(pageSizeError("Stories per page", "ten")).toMatch(/^Stories per page:/);
  });
});
