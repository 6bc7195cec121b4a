import { describe, expect, it } from "vitest";
import { savedViews, viewChange } from "./savedViews";

describe("saved views", () => {
  it("reads the views among other preferences, by name", () => {
    const prefs = { page_size: 20, "web_view:Zeta": "is:open", "web_view:Alpha": "assignee:@me", "web_view:bad": 3 };
    expect(savedViews(prefs)).toEqual([
      { name: "Alpha", query: "assignee:@me" },
      { name: "Zeta", query: "is:open" },
    ]);
    expect(savedViews(null)).toEqual([]);
  });
  it("saves and deletes one key per view", () => {
    expect(viewChange(" Mine ", " is:open assignee:@me ")).toEqual({ "web_view:Mine": "is:open assignee:@me" });
    expect(viewChange("Mine", null)).toEqual({ "web_view:Mine": null });
  });
  it("refuses what the preferences cannot keep", () => {
    expect(viewChange("", "is:open")).toMatch(/name/);
    expect(viewChange("x".repeat(92), "is:open")).toMatch(/at most 91/);
    expect(viewChange("Long", "tag:x ".repeat(50))).toMatch(/at most 255/);
    expect(viewChange("Empty", "  ")).toMatch(/no query/);
  });
});
