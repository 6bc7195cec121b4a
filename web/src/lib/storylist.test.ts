import { describe, expect, it } from "vitest";
import { assigneesByStory, taskProgress, toggleSelection } from "./storylist";

describe("story list", () => {
  it("counts merged tasks out of those that are not invalid", () => {
    expect(taskProgress([{ key: "todo", count: 2 }, { key: "merged", count: 3 }, { key: "invalid", count: 4 }])).toEqual({ done: 3, total: 5 });
    expect(taskProgress(null)).toEqual({ done: 0, total: 0 });
  });
  it("lists each story's assignees once, in order", () => {
    const tasks = [
      { story_id: 1, assignee_id: 7 },
      { story_id: 1, assignee_id: null },
      { story_id: 2, assignee_id: 8 },
      { story_id: 1, assignee_id: 9 },
      { story_id: 1, assignee_id: 7 },
    ];
    expect([...assigneesByStory(tasks)]).toEqual([[1, [7, 9]], [2, [8]]]);
  });
  it("toggles one row, or a range with shift", () => {
    const ids = [10, 11, 12, 13, 14];
    const one = toggleSelection(new Set(), ids, 1, null, false);
    expect([...one]).toEqual([11]);
    const range = toggleSelection(one, ids, 3, 1, true);
    expect([...range].sort()).toEqual([11, 12, 13]);
    expect([...toggleSelection(range, ids, 1, 3, true)]).toEqual([]);
    expect([...toggleSelection(range, ids, 4, 0, true)].sort()).toEqual([11, 12, 13, 14, 10].sort());
    expect([...toggleSelection(range, ids, 2, null, false)].sort()).toEqual([11, 13]);
  });
});
