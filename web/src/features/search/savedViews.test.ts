import { describe, expect, it } from "vitest";
import { legacyViews, migration, type SavedView, viewProblem } from "./savedViews";

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
