import { describe, expect, it } from "vitest";
import { columnsParam, moveColumn, pickerRows, sameColumns, shownColumns, toggleColumn } from "./columns";
import { changeProblem } from "./savedViews";
import { ApiError } from "../../api/client";

describe("the column picker", () => {
  it("shows the given columns with the title always, else the default ones", () => {
    expect(shownColumns(null)).toEqual(["id", "title", "status", "progress", "assignees", "tags", "updated"]);
    expect(shownColumns([])).toEqual(shownColumns(null));
    expect(shownColumns(["id", "creator"])).toEqual(["id", "title", "creator"]);
    expect(shownColumns(["creator", "id"])).toEqual(["title", "creator", "id"]);
  });
  it("lists the shown columns in their order, then the hidden ones in the usual order", () => {
    const rows = pickerRows(["creator", "title", "id"]);
    expect(rows.map((r) => [r.column, r.shown])).toEqual([
      ["creator", true],
      ["title", true],
      ["id", true],
      ["status", false],
      ["progress", false],
      ["assignees", false],
      ["tags", false],
      ["updated", false],
      ["created", false],
      ["project", false],
    ]);
  });
  it("hides a shown column, shows a hidden one last, never hides the title", () => {
    expect(toggleColumn(null, "tags")).toEqual(["id", "title", "status", "progress", "assignees", "updated"]);
    expect(toggleColumn(["id", "title"], "creator")).toEqual(["id", "title", "creator"]);
    expect(toggleColumn(["id", "title"], "title")).toEqual(["id", "title"]);
    expect(toggleColumn(["title"], "id")).toEqual(["title", "id"]);
  });
  it("moves a shown column up or down, not past either end nor a hidden one", () => {
    expect(moveColumn(["id", "title", "status"], "status", -1)).toEqual(["id", "status", "title"]);
    expect(moveColumn(["id", "title", "status"], "id", 1)).toEqual(["title", "id", "status"]);
    expect(moveColumn(["id", "title", "status"], "id", -1)).toEqual(["id", "title", "status"]);
    expect(moveColumn(["id", "title", "status"], "status", 1)).toEqual(["id", "title", "status"]);
    expect(moveColumn(["id", "title"], "creator", -1)).toEqual(["id", "title"]);
  });
  it("writes no parameter for the default columns, else the shown ones in order", () => {
    expect(columnsParam(null)).toBeNull();
    expect(columnsParam(["id", "title", "status", "progress", "assignees", "tags", "updated"])).toBeNull();
    expect(columnsParam(["creator", "id"])).toBe("title,creator,id");
    expect(sameColumns(null, [])).toBe(true);
    expect(sameColumns(["id", "title"], ["title", "id"])).toBe(false);
    expect(sameColumns(["id", "creator"], ["id", "title", "creator"])).toBe(true);
  });
  it("says what a refused change of a view tried, with the server's reason", () => {
    expect(changeProblem("pin “Mine” to the home page", new ApiError(404, "View 7 not found"))).toBe(
      "Could not pin “Mine” to the home page: View 7 not found",
    );
    expect(changeProblem("anything", null)).toBeNull();
  });
});
