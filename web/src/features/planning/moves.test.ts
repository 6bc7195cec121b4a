import { describe, expect, it } from "vitest";
import { directionFor, findCard, keyboardTarget, moveCard } from "./moves";

const lanes = () => [
  { listId: 10, cards: [{ id: 1 }, { id: 2 }, { id: 3 }] },
  { listId: 20, cards: [{ id: 4 }] },
  { listId: 30, cards: [] },
];
const ids = (ls: ReturnType<typeof lanes>) => ls.map((l) => l.cards.map((c) => c.id));

describe("moveCard", () => {
  it("moves within a lane and between lanes without touching the input", () => {
    const before = lanes();
    expect(ids(moveCard(before, 1, { lane: 0, index: 2 }))).toEqual([[2, 3, 1], [4], []]);
    expect(ids(moveCard(before, 2, { lane: 1, index: 0 }))).toEqual([[1, 3], [2, 4], []]);
    expect(ids(moveCard(before, 4, { lane: 2, index: 9 }))).toEqual([[1, 2, 3], [], [4]]);
    expect(ids(before)).toEqual([[1, 2, 3], [4], []]);
    expect(moveCard(before, 99, { lane: 0, index: 0 })).toBe(before);
  });
});

describe("keyboardTarget", () => {
  it("goes up, down, left and right within bounds, skipping lanes that refuse cards", () => {
    const ls = lanes();
    expect(findCard(ls, 3)).toEqual({ lane: 0, index: 2 });
    expect(keyboardTarget(ls, { lane: 0, index: 0 }, "up")).toBeNull();
    expect(keyboardTarget(ls, { lane: 0, index: 0 }, "down")).toEqual({ lane: 0, index: 1 });
    expect(keyboardTarget(ls, { lane: 0, index: 2 }, "down")).toBeNull();
    expect(keyboardTarget(ls, { lane: 0, index: 2 }, "right")).toEqual({ lane: 1, index: 1 });
    expect(keyboardTarget(ls, { lane: 0, index: 2 }, "right", (l) => l !== 1)).toEqual({ lane: 2, index: 0 });
    expect(keyboardTarget(ls, { lane: 0, index: 0 }, "left")).toBeNull();
    expect(keyboardTarget(ls, { lane: 2, index: 0 }, "left", () => false)).toBeNull();
  });

  it("reads Alt+arrow keys only", () => {
    const key = (k: string, altKey = true) => ({ key: k, altKey, ctrlKey: false, metaKey: false });
    expect(directionFor(key("ArrowLeft"))).toBe("left");
    expect(directionFor(key("ArrowDown"))).toBe("down");
    expect(directionFor(key("ArrowDown", false))).toBeNull();
    expect(directionFor(key("x"))).toBeNull();
  });
});
