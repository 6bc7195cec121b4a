import { describe, expect, it } from "vitest";
import { anyOf, boundOfAll, filterBound, filtersQuery, listTopics, MAX_TOPICS } from "./liveLists";

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe("listTopics", () => {
  it("names every project when they fit, and only the stories without tasks", () => {
    const { topics, whole } = listTopics({ stories: [1, 2, 3], taskless: [3], bound: null }, [10, 11]);
    expect(topics).toEqual({ project: [10, 11], story: [3] });
    expect(whole).toBe(true);
  });
  it("names the stories shown and says it is not whole when the projects do not fit", () => {
    const { topics, whole } = listTopics({ stories: [1, 2, 2], taskless: [2], bound: null }, null);
    expect(topics).toEqual({ story: [1, 2] });
    expect(whole).toBe(false);
  });
  it("keeps a bound list to its projects, groups and stories, and within the server's bound", () => {
    const bound = { projects: [4], groups: [5], stories: [6] };
    expect(listTopics({ stories: [7], bound, worklists: [9] }, null)).toEqual({
      topics: { worklist: [9], project: [4], project_group: [5], story: [6, 7] },
      whole: true,
    });
    const many = listTopics({ stories: range(1000, 30), bound: { projects: range(1, 90), groups: [], stories: [] }, worklists: [1] }, null);
    const size = Object.values(many.topics).reduce((n, ids) => n + ids.length, 0);
    expect(size).toBe(MAX_TOPICS);
    expect(many.whole).toBe(false);
  });
  it("names no projects when every project with the worklists would not fit", () => {
    const { topics, whole } = listTopics({ stories: [1], bound: null, worklists: [2] }, range(1, MAX_TOPICS));
    expect(topics).toEqual({ worklist: [2], story: [1] });
    expect(whole).toBe(false);
  });
});

describe("filterBound", () => {
  const f = (...criteria: [string, string, boolean?][]) => ({
    filter_criteria: criteria.map(([field, value, negative]) => ({ field, value, negative: negative ?? false })),
  });
  it("collects the project, group or story each filter is bound to", () => {
    expect(filterBound([f(["TaskStatus", "review"], ["Project", "3"]), f(["ProjectGroup", "2"]), f(["Story", "8"])])).toEqual({
      projects: [3],
      groups: [2],
      stories: [8],
    });
  });
  it("is unbound when one filter may match anywhere (no bounding criterion, or only a negated one)", () => {
    expect(filterBound([f(["Project", "3"]), f(["Tags", "ui"])])).toBeNull();
    expect(filterBound([f(["Project", "3", true])])).toBeNull();
  });
});

describe("boundOfAll", () => {
  it("joins the bounds of a board's automatic lanes, unbound when one is", () => {
    const a = { projects: [1], groups: [], stories: [] };
    const b = { projects: [], groups: [2], stories: [3] };
    expect(boundOfAll([a, b])).toEqual({ projects: [1], groups: [2], stories: [3] });
    expect(boundOfAll([a, null])).toBeNull();
    expect(boundOfAll([])).toEqual({ projects: [], groups: [], stories: [] });
  });
  it("names the ids in order, so rows re-sorted keep the same stream", () => {
    expect(listTopics({ stories: [3, 1, 2], bound: boundOfAll([]) }, null).topics).toEqual({ story: [1, 2, 3] });
  });
  it("names a board before its worklists and stories", () => {
    expect(listTopics({ boards: [5], stories: [9], bound: boundOfAll([]) }, null).topics).toEqual({ board: [5], story: [9] });
  });
});

describe("listTopics with a query", () => {
  it("names the query and the stories shown when the projects do not fit, and is whole", () => {
    const { topics, whole } = listTopics({ stories: [5, 3, 3], taskless: [3], bound: null, query: "is:open" }, null);
    expect(topics).toEqual({ story: [3, 5], query: "is:open" });
    expect(whole).toBe(true);
  });
  it("keeps naming every project when they fit (no query streams on a small instance)", () => {
    const { topics, whole } = listTopics({ stories: [1, 2], taskless: [2], bound: null, query: "is:open" }, [10, 11]);
    expect(topics).toEqual({ project: [10, 11], story: [2] });
    expect(whole).toBe(true);
  });
  it("sends the empty query (every story) as a query", () => {
    expect(listTopics({ stories: [], bound: null, query: "" }, null)).toEqual({ topics: { query: "" }, whole: true });
  });
  it("names the query for a bound list whose bound does not fit", () => {
    const bound = { projects: range(1, 120), groups: [], stories: [] };
    const { topics, whole } = listTopics({ stories: [7], bound, worklists: [9], query: "project:1 OR project:2" }, null);
    expect(topics).toEqual({ worklist: [9], story: [7], query: "project:1 OR project:2" });
    expect(whole).toBe(true);
  });
  it("falls back to the stories shown and the slow read without a query form", () => {
    const { topics, whole } = listTopics({ stories: [7], bound: null, query: null }, null);
    expect(topics).toEqual({ story: [7] });
    expect(whole).toBe(false);
  });
  it("is not whole when the stories shown do not all fit beside the query", () => {
    const { topics, whole } = listTopics({ stories: range(1, 150), bound: null, query: "tag:x" }, null);
    expect(topics.story).toHaveLength(MAX_TOPICS);
    expect(topics.query).toBe("tag:x");
    expect(whole).toBe(false);
  });
});

describe("filtersQuery", () => {
  const f = (...criteria: [string, string, boolean?][]) => ({
    filter_criteria: criteria.map(([field, value, negative]) => ({ field, value, negative: negative ?? false })),
  });
  it("writes each filter's criteria as terms, ANDed, and ORs the filters", () => {
    expect(filtersQuery([f(["Project", "3"], ["Tags", "ui work"]), f(["ProjectGroup", "2"], ["StoryStatus", "active"])])).toBe(
      '(project:3 tag:"ui work") OR (group:2 status:active)',
    );
    expect(filtersQuery([f(["Query", "assignee:@me is:open"], ["User", "4"])])).toBe("(assignee:@me is:open) assignee:4");
  });
  it("leaves out what has no query form (the query matches more), and one such filter alone is every story", () => {
    expect(filtersQuery([f(["TaskStatus", "review"], ["Story", "8"])])).toBe("#8");
    expect(filtersQuery([f(["Tags", "ui", true], ["Project", "3"])])).toBe("project:3");
    expect(filtersQuery([f(["Project", "3"]), f(["TaskStatus", "review"])])).toBe("");
    expect(filtersQuery([f(["Query", "tag:x ("])])).toBe("");
  });
  it("has no query form without filters, and none beyond the language's bounds", () => {
    expect(filtersQuery([])).toBeNull();
    const many = range(1, 60).map((n) => f(["Project", String(n)], ["Tags", `t${n}`]));
    expect(filtersQuery(many)).toBeNull();
  });
  it("ORs several lists' queries (a board's automatic lanes)", () => {
    expect(anyOf(["tag:a", "tag:b", "tag:a"])).toBe("(tag:a) OR (tag:b)");
    expect(anyOf(["tag:a", ""])).toBe("");
    expect(anyOf(["tag:a", null])).toBeNull();
    expect(anyOf([])).toBeNull();
  });
});
