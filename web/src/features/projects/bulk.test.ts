import { describe, expect, it } from "vitest";
import { describeBulk, itemLabel } from "./bulk";
import { placeChange, placeProblem, shared } from "./BulkPlace";

const item = (type: "story" | "task", id: number, ok = true, changed = true) => ({
  type,
  id,
  ok,
  changed: ok && changed,
  error: ok ? null : { status: 400, message: "No", field: "branch_id" },
  story: null,
  task: null,
});

describe("describeBulk", () => {
  it("counts what changed, stories and tasks apart", () => {
    expect(describeBulk({ written: true, items: [item("story", 1), item("task", 2), item("task", 3)] })).toBe("1 story and 2 tasks changed.");
    expect(describeBulk({ written: true, items: [item("task", 2, true, false)] })).toBe("Nothing to change: every item already had that.");
  });
  it("says nothing changed when any item was refused", () => {
    expect(describeBulk({ written: false, items: [item("task", 2), item("task", 3, false)] })).toBe(
      "Nothing was changed: 1 of 2 items refused.",
    );
    expect(describeBulk({ written: false, items: [], message: "At most 500 items at once" })).toBe(
      "Nothing was changed: At most 500 items at once",
    );
  });
  it("labels stories by number and tasks with a T", () => {
    expect(itemLabel({ type: "story", id: 4 })).toBe("#4");
    expect(itemLabel({ type: "task", id: 4 })).toBe("Task T4");
  });
});

describe("placeChange", () => {
  it("sends only what was chosen; 'none' clears the milestone", () => {
    expect(placeChange({ projectId: 3, branchId: null, milestone: null })).toEqual({ project_id: 3 });
    expect(placeChange({ projectId: null, branchId: 5, milestone: 9 })).toEqual({ branch_id: 5, milestone_id: 9 });
    expect(placeChange({ projectId: null, branchId: null, milestone: "none" })).toEqual({ milestone_id: null });
    expect(placeChange({ projectId: null, branchId: null, milestone: null })).toEqual({});
  });
});

describe("placeProblem and shared", () => {
  it("asks for one project when the tasks are on several and none is chosen", () => {
    expect(placeProblem([{ project_id: 1 }, { project_id: 2 }], null)).toContain("2 projects");
    expect(placeProblem([{ project_id: 1 }, { project_id: 2 }], 4)).toBeNull();
    expect(placeProblem([{ project_id: 1 }, { project_id: 1 }], null)).toBeNull();
  });
  it("tells the value the items share", () => {
    expect(shared([2, 2])).toBe(2);
    expect(shared([2, 3])).toBeNull();
    expect(shared([])).toBeNull();
  });
});
