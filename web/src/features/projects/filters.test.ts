import { describe, expect, it } from "vitest";
import { changeParams, listQuery, pageCount, readFilters } from "./filters";

const read = (qs: string) => readFilters(new URLSearchParams(qs));

describe("readFilters", () => {
  it("has defaults for an empty URL", () => {
    expect(read("")).toEqual({
      view: "stories", status: [], tags: [], tagsMode: "all", assignee: null, branch: null, milestone: null,
      sort: "updated_at", dir: "desc", size: 25, page: 1,
    });
  });
  it("keeps only what the view understands", () => {
    const f = read("status=merged&status=review&tag=ui&branch=3&milestone=4&sort=priority");
    expect(f.status).toEqual(["merged"]);
    expect(f.tags).toEqual(["ui"]);
    expect([f.branch, f.milestone]).toEqual([3, 4]);
    expect(f.sort).toBe("updated_at");
    const t = read("view=tasks&status=merged&status=review&tag=ui&branch=3&milestone=4&sort=priority");
    expect(t.status).toEqual(["merged", "review"]);
    expect(t.tags).toEqual([]);
    expect([t.branch, t.milestone, t.sort]).toEqual([3, 4, "priority"]);
  });
  it("ignores malformed numbers and a milestone without its branch", () => {
    const f = read("view=tasks&assignee=abc&page=-2&size=100000&milestone=4");
    expect([f.assignee, f.page, f.size, f.milestone]).toEqual([null, 1, 25, null]);
    expect(read("milestone=4")).toMatchObject({ branch: null, milestone: null });
    expect(read("branch=0&milestone=4")).toMatchObject({ branch: null, milestone: null });
    expect(read("branch=x1&milestone=4")).toMatchObject({ branch: null, milestone: null });
    expect(read("page=3&size=50&assignee=7")).toMatchObject({ page: 3, size: 50, assignee: 7 });
  });
});

describe("listQuery", () => {
  it("asks for stories with tags, paging and the scope", () => {
    const { path, query } = listQuery({ project_id: 5 }, read("tag=a&tag=b&tags_mode=any&page=2&size=50&assignee=9"));
    expect(path).toBe("/stories");
    expect(query).toMatchObject({
      project_id: 5, tags: ["a", "b"], tags_filter_type: "any", limit: 50, offset: 50, assignee_id: 9,
    });
  });
  it("asks for the stories with a task on the branch and milestone", () => {
    const { path, query } = listQuery({ project_id: 5 }, read("branch=3&milestone=4&tag=a"));
    expect(path).toBe("/stories");
    expect(query).toMatchObject({ project_id: 5, branch_id: 3, milestone_id: 4, tags: ["a"] });
    const group = listQuery({ project_group_id: 2 }, read("branch=7")).query;
    expect(group).toMatchObject({ project_group_id: 2, branch_id: 7, milestone_id: null });
    expect(listQuery({ project_id: 5 }, read("")).query).toMatchObject({ branch_id: null, milestone_id: null });
  });
  it("asks for tasks with branch and milestone in a group", () => {
    const { path, query } = listQuery({ project_group_id: 2 }, read("view=tasks&branch=3&milestone=4&dir=asc&sort=id"));
    expect(path).toBe("/tasks");
    expect(query).toMatchObject({ project_group_id: 2, branch_id: 3, milestone_id: 4, sort_dir: "asc", sort_field: "id" });
    expect(query).not.toHaveProperty("tags");
  });
});

describe("changeParams", () => {
  const p = (qs: string) => new URLSearchParams(qs);
  it("goes back to page 1 on a filter change, not on paging", () => {
    expect(changeParams(p("page=3&status=merged"), { status: ["active"] }).toString()).toBe("status=active");
    expect(changeParams(p("page=3"), { page: "4" }).toString()).toBe("page=4");
  });
  it("drops the milestone with its branch and the old view's filters", () => {
    expect(changeParams(p("view=tasks&branch=1&milestone=2"), { branch: "5" }).toString()).toBe("view=tasks&branch=5");
    expect(changeParams(p("branch=1&milestone=2&page=2"), { branch: null }).toString()).toBe("");
    expect(changeParams(p("tag=a&status=merged&assignee=3&size=50&sort=id"), { view: "tasks" }).toString()).toBe(
      "assignee=3&size=50&sort=id&view=tasks",
    );
  });
  it("keeps the branch and milestone from one view to the other", () => {
    expect(changeParams(p("tag=a&branch=1&milestone=2"), { view: "tasks" }).toString()).toBe(
      "branch=1&milestone=2&view=tasks",
    );
    expect(changeParams(p("view=tasks&status=review&branch=1&milestone=2"), { view: null }).toString()).toBe(
      "branch=1&milestone=2",
    );
    expect(changeParams(p("branch=1"), { milestone: "2" }).toString()).toBe("branch=1&milestone=2");
  });
  it("pages", () => {
    expect(pageCount(0, 25)).toBe(1);
    expect(pageCount(51, 25)).toBe(3);
  });
});
