import { describe, expect, it } from "vitest";
import { buildUrl } from "../../api/client";
import { dateInputToIso, isoToDateInput, itemStoryId, itemTitle, type Item } from "./api";

describe("planning api helpers", () => {
  it("sends preview paths to /preview and the rest to /api/v1", () => {
    expect(buildUrl("/preview/priority_lists", { project_id: 3 })).toBe("/preview/priority_lists?project_id=3");
    expect(buildUrl("/boards/4")).toBe("/api/v1/boards/4");
  });

  it("keeps the day of a date input whatever the time zone", () => {
    expect(dateInputToIso("2027-03-01")).toBe("2027-03-01T12:00:00Z");
    expect(isoToDateInput("2027-03-01T12:00:00+00:00")).toBe("2027-03-01");
    expect(isoToDateInput(null)).toBe("");
  });

  it("links a task card to its story and has no title for a story it cannot see", () => {
    const base = { id: 1, created_at: "", updated_at: null, list_id: 2, list_position: 0, archived: false,
      display_due_date: null };
    const task = { ...base, item_id: 9, item_type: "task", task: { id: 9, title: "Fix", story_id: 5 } } as unknown as Item;
    expect(itemStoryId(task)).toBe(5);
    expect(itemTitle(task)).toBe("Fix");
    const hidden = { ...base, item_id: 7, item_type: "story", story: null } as unknown as Item;
    expect(itemStoryId(hidden)).toBe(7);
    expect(itemTitle(hidden)).toBeNull();
  });
});
