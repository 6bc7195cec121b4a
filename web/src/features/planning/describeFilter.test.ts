import { describe, expect, it } from "vitest";
import { describeFilter } from "./WorklistPage";

const criterion = (field: string, value: string, negative = false) => ({
  id: 1, created_at: "", updated_at: null, filter_id: 1, title: null, field, value, negative,
});

describe("describeFilter", () => {
  it("puts an automatic worklist's criteria in words", () => {
    const filter = { id: 1, created_at: "", updated_at: null, list_id: 2, type: "Task",
      filter_criteria: [criterion("TaskStatus", "review"), criterion("Team", "4", true)] };
    expect(describeFilter(filter)).toBe("Tasks where TaskStatus is review and Team is not 4");
    expect(describeFilter({ ...filter, type: "Story", filter_criteria: [] })).toBe("Stories where anything");
    expect(describeFilter({ ...filter, type: "Story", filter_criteria: [criterion("Query", "tag:ui is:open")] })).toBe(
      "Stories matching “tag:ui is:open”",
    );
    expect(
      describeFilter({ ...filter, filter_criteria: [criterion("Query", "tag:ui"), criterion("TaskStatus", "review")] }),
    ).toBe("Tasks matching “tag:ui” and where TaskStatus is review");
  });
});
