// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { moveIndex, shortcutFor } from "./shortcuts";

const key = (k: string, target: EventTarget | null = document.body, mods = {}) => ({
  key: k, ctrlKey: false, metaKey: false, altKey: false, target, ...mods,
});

describe("shortcutFor", () => {
  it("maps the documented keys", () => {
    expect(shortcutFor(key("?"))).toBe("help");
    expect(shortcutFor(key("/"))).toBe("search");
    expect(shortcutFor(key("c"))).toBe("create");
    expect(shortcutFor(key("j"))).toBe("next");
    expect(shortcutFor(key("k"))).toBe("previous");
    expect(shortcutFor(key("e"))).toBe("edit");
    expect(shortcutFor(key("x"))).toBeNull();
  });
  it("ignores letters typed into fields", () => {
    for (const tag of ["input", "textarea", "select"]) {
      expect(shortcutFor(key("c", document.createElement(tag)))).toBeNull();
    }
    expect(shortcutFor(key("Escape", document.createElement("input")))).toBe("escape");
  });
  it("ignores keys with modifiers", () => {
    expect(shortcutFor(key("c", document.body, { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key("j", document.body, { metaKey: true }))).toBeNull();
    expect(shortcutFor(key("k", document.body, { ctrlKey: true, altKey: true }))).toBeNull();
  });
  it("opens the palette with Ctrl-K or Cmd-K, in a field too", () => {
    expect(shortcutFor(key("k", document.body, { ctrlKey: true }))).toBe("palette");
    expect(shortcutFor(key("K", document.createElement("input"), { metaKey: true }))).toBe("palette");
  });
});

describe("moveIndex", () => {
  it("starts at the first or last item", () => {
    expect(moveIndex(-1, 3, "next")).toBe(0);
    expect(moveIndex(-1, 3, "previous")).toBe(2);
  });
  it("stops at the ends", () => {
    expect(moveIndex(2, 3, "next")).toBe(2);
    expect(moveIndex(0, 3, "previous")).toBe(0);
    expect(moveIndex(1, 3, "next")).toBe(2);
  });
  it("has nothing to move to in an empty list", () => {
    expect(moveIndex(-1, 0, "next")).toBe(-1);
  });
});
