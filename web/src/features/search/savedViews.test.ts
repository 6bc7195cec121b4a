import { describe, expect, it } from "vitest";
import { legacyViews, migration, readColumns, type SavedView, viewLink, viewProblem, viewQuery } from "./savedViews";

const view = (name: string, mine = true): SavedView => ({
  id: 1, owner_id: 1, team_id: null, name, query: "is:open", columns: null, sort: null, pinned_home: false, project_id: null, mine,
});

describe("saved views", () => {
  it("reads the views kept as preferences, by name", () => {
    const prefs = { page_size: 20, "web_view:Zeta": "is:open", "web_view:Alpha": "assignee:@me", "web_view:bad": 3, "web_view:gone": null };
    expect(legacyViews(prefs)).toEqual([
      { name: "Alpha", query: "assignee:@me" },
      { name: "Zeta", query: "is:open" },
    ]);
    expect(legacyViews(null)).toEqual([]);
  });
  it("moves them to the server once: names already taken by one's own views are not created again", () => {
    const legacy = [{ name: "Alpha", query: " assignee:@me " }, { name: "Zeta", query: "is:open" }];
    const plan = migration(legacy, [view("Zeta"), view("Alpha", false)]);
    expect(plan.create).toEqual([{ name: "Alpha", query: "assignee:@me" }]);
    expect(plan.clear).toEqual({ "web_view:Alpha": null, "web_view:Zeta": null });
  });
  it("refuses what the server would refuse", () => {
    expect(viewProblem("", "is:open")).toMatch(/name/);
    expect(viewProblem("x".repeat(101), "is:open")).toMatch(/at most 100/);
    expect(viewProblem("Long", "tag:x ".repeat(200))).toMatch(/at most 1000/);
    expect(viewProblem("Fine", "")).toBeNull();
  });
});

describe("opening a view", () => {
  it("adds the view's sort unless its query has one", () => {
    expect(viewQuery({ query: "is:open", sort: "id-asc" })).toBe("is:open sort:id-asc");
    expect(viewQuery({ query: "is:open sort:title-asc", sort: "id-asc" })).toBe("is:open sort:title-asc");
    expect(viewQuery({ query: "(sort:created-desc)", sort: "id-asc" })).toBe("(sort:created-desc)");
    expect(viewQuery({ query: "tag:ui", sort: null })).toBe("tag:ui");
  });
  it("opens the Stories page with the query, the columns and the view's id", () => {
    const url = new URL(viewLink({ id: 7, query: "tag:ui", sort: "updated-asc", columns: ["id", "title", "creator"] }), "http://x");
    expect(url.pathname).toBe("/stories");
    expect(url.searchParams.get("q")).toBe("tag:ui sort:updated-asc");
    expect(url.searchParams.get("columns")).toBe("id,title,creator");
    expect(url.searchParams.get("view")).toBe("7");
    expect(new URL(viewLink({ id: 8, query: "is:open", sort: null, columns: null }), "http://x").searchParams.has("columns")).toBe(false);
  });
  it("keeps the known columns of a parameter, once each, in their order", () => {
    expect(readColumns("title,bogus,creator,title")).toEqual(["title", "creator"]);
    expect(readColumns("bogus")).toBeNull();
    expect(readColumns(null)).toBeNull();
  });
});
