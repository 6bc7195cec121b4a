import { describe, expect, it } from "vitest";
import { groupByStatus, rowsByProject } from "./status";

describe("groupByStatus", () => {
  it("orders groups by workflow and leaves out empty ones", () => {
    const tasks = [
      { id: 1, status: "merged" }, { id: 2, status: "todo" }, { id: 3, status: "review" }, { id: 4, status: "todo" },
    ];
    const groups = groupByStatus(tasks);
    expect(groups.map((g) => g.status)).toEqual(["todo", "review", "merged"]);
    expect(groups[0]?.items.map((t) => t.id)).toEqual([2, 4]);
  });
  it("puts unknown statuses last", () => {
    expect(groupByStatus([{ status: "weird" }, { status: "invalid" }]).map((g) => g.status)).toEqual(["invalid", "weird"]);
  });
});

describe("rowsByProject", () => {
  it("gives a header per project followed by its tasks", () => {
    const rows = rowsByProject([
      { id: 5, project_id: 2 }, { id: 1, project_id: 1 }, { id: 3, project_id: 2 },
    ]);
    expect(rows).toEqual([
      { kind: "project", projectId: 2, count: 2 },
      { kind: "task", task: { id: 3, project_id: 2 } },
      { kind: "task", task: { id: 5, project_id: 2 } },
      { kind: "project", projectId: 1, count: 1 },
      { kind: "task", task: { id: 1, project_id: 1 } },
    ]);
  });
});
