import { describe, expect, it } from "vitest";
import { describeBulk, itemLabel } from "./bulk";

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
