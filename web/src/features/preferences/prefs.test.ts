import { describe, expect, it } from "vitest";
import {
  EVENT_TYPES,
  nextEventsOffset,
  pageSize,
  pageSizeError,
  shownEventTypes,
  TIMELINE_PAGE_SIZE,
  timelinePageSize,
} from "./prefs";

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

describe("the timeline's pages", () => {
  it("are the reader's story_detail_page_size, else the default", () => {
    expect(TIMELINE_PAGE_SIZE).toBe(50);
    expect(timelinePageSize(null)).toBe(50);
    expect(timelinePageSize({ story_detail_page_size: 10 })).toBe(10);
    expect(timelinePageSize({ story_detail_page_size: "20" })).toBe(20);
    expect(timelinePageSize({ story_detail_page_size: null, project_detail_page_size: 30 })).toBe(50);
    expect(timelinePageSize({ story_detail_page_size: 2 })).toBe(50);
    expect(timelinePageSize({ story_detail_page_size: 500 })).toBe(50);
  });
  const page = (n: number, total: number | null) => ({ items: Array.from({ length: n }, (_, i) => i), total });
  it("go on after a full page while events remain", () => {
    expect(nextEventsOffset([], 10)).toBe(0);
    expect(nextEventsOffset([page(10, 25)], 10)).toBe(10);
    expect(nextEventsOffset([page(10, 25), page(10, 25)], 10)).toBe(20);
    expect(nextEventsOffset([page(10, null)], 10)).toBe(10);
  });
  it("stop after a short page or once the total is loaded", () => {
    expect(nextEventsOffset([page(10, 25), page(10, 25), page(5, 25)], 10)).toBeUndefined();
    expect(nextEventsOffset([page(10, 20), page(10, 20)], 10)).toBeUndefined();
    expect(nextEventsOffset([page(3, null)], 10)).toBeUndefined();
    expect(nextEventsOffset([page(0, 0)], 10)).toBeUndefined();
  });
});
