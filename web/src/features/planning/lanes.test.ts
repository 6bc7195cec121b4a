import { describe, expect, it } from "vitest";
import { editableBoards, lanePosition, laneTitleProblem, laneViews, removedLanes, shownLanes, viewLaneProblem } from "./lanes";

const lane = (list_id: number, archived = false) => ({ list_id, worklist: { archived } });

/** The order after the server's move: take the lane out, insert it at `position` (board_service._place_lanes). */
function applied(lanes: ReturnType<typeof lane>[], listId: number, position: number | null) {
  const moving = lanes.find((l) => l.list_id === listId);
  if (position === null || !moving) throw new Error("no move");
  const rest = lanes.filter((l) => l.list_id !== listId);
  rest.splice(position, 0, moving);
  return rest.map((l) => l.list_id);
}

describe("lanePosition", () => {
  const lanes = [lane(1), lane(2), lane(3)];
  it("swaps a lane with its shown neighbour", () => {
    expect(applied(lanes, 1, lanePosition(lanes, 1, "right"))).toEqual([2, 1, 3]);
    expect(applied(lanes, 3, lanePosition(lanes, 3, "left"))).toEqual([1, 3, 2]);
    expect(applied(lanes, 2, lanePosition(lanes, 2, "left"))).toEqual([2, 1, 3]);
    expect(applied(lanes, 2, lanePosition(lanes, 2, "right"))).toEqual([1, 3, 2]);
  });
  it("says null at either end and for a lane not shown", () => {
    expect(lanePosition(lanes, 1, "left")).toBeNull();
    expect(lanePosition(lanes, 3, "right")).toBeNull();
    expect(lanePosition(lanes, 9, "left")).toBeNull();
    expect(lanePosition([lane(1), lane(2, true)], 2, "left")).toBeNull();
  });
  it("steps over removed lanes, which keep their place among the others", () => {
    const mixed = [lane(1), lane(5, true), lane(2), lane(6, true), lane(3)];
    expect(applied(mixed, 2, lanePosition(mixed, 2, "left"))).toEqual([2, 1, 5, 6, 3]);
    expect(applied(mixed, 1, lanePosition(mixed, 1, "right"))).toEqual([5, 2, 1, 6, 3]);
    expect(applied(mixed, 3, lanePosition(mixed, 3, "left"))).toEqual([1, 5, 3, 2, 6]);
    expect(lanePosition([lane(5, true), lane(1)], 1, "left")).toBeNull();
  });
});

describe("shown and removed lanes", () => {
  it("splits on the worklist's archive state, in order", () => {
    const lanes = [lane(1), lane(2, true), lane(3)];
    expect(shownLanes(lanes).map((l) => l.list_id)).toEqual([1, 3]);
    expect(removedLanes(lanes).map((l) => l.list_id)).toEqual([2]);
  });
});

describe("laneTitleProblem and viewLaneProblem", () => {
  it("refuses empty and too long names", () => {
    expect(laneTitleProblem("  ")).toBe("Give the lane a name.");
    expect(laneTitleProblem("x".repeat(101))).toMatch(/at most 100/);
    expect(laneTitleProblem(` ${"x".repeat(100)} `)).toBeNull();
  });
  it("says why a view cannot become a lane", () => {
    expect(viewLaneProblem({ query: " " })).toBe("it has no query");
    expect(viewLaneProblem({ query: "a".repeat(256) })).toMatch(/longer than 255/);
    expect(viewLaneProblem({ query: "tag:ui is:open" })).toBeNull();
  });
  it("offers one's own views first, then shared ones, by name", () => {
    const views = [
      { name: "b", mine: false },
      { name: "z", mine: true },
      { name: "a", mine: false },
      { name: "c", mine: true },
    ];
    expect(laneViews(views).map((v) => v.name)).toEqual(["c", "z", "a", "b"]);
  });
});

describe("editableBoards", () => {
  it("keeps active boards whose edit permission the reader holds, directly or through a team", () => {
    const board = (id: number, owners: number[], team_owners: number[], archived = false) => ({ id, owners, team_owners, archived });
    const boards = [board(1, [7], []), board(2, [8], [3]), board(3, [8], [4]), board(4, [7], [], true), board(5, [], [])];
    expect(editableBoards(boards, 7, [3]).map((b) => b.id)).toEqual([1, 2]);
    expect(editableBoards(boards, 8, []).map((b) => b.id)).toEqual([2, 3]);
    expect(editableBoards(boards, 9, []).map((b) => b.id)).toEqual([]);
  });
});
