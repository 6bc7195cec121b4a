import { describe, expect, it } from "vitest";
import { baseCommands, matchCommands, numberCommand, searchCommand } from "./palette";

describe("command palette", () => {
  const all = baseCommands(true, false);
  it("offers pages and commands by what the reader may do", () => {
    expect(all.map((c) => c.id)).toContain("mine");
    expect(all.map((c) => c.id)).not.toContain("admin");
    expect(baseCommands(true, true).map((c) => c.id)).toContain("admin");
    expect(baseCommands(false, false).map((c) => c.id)).toEqual(expect.arrayContaining(["login", "projects"]));
    expect(baseCommands(false, false).map((c) => c.id)).not.toContain("logout");
  });
  it("finds commands by every word, label starts first", () => {
    expect(matchCommands(all, "proj").map((c) => c.id)).toEqual(["projects", "groups"]);
    expect(matchCommands(all, "new story")[0]?.id).toBe("new");
    expect(matchCommands(all, "").length).toBe(all.length);
    expect(matchCommands(all, "zzz")).toEqual([]);
  });
  it("goes to a story or task by number, and searches anything else", () => {
    expect(numberCommand("#42")?.target).toEqual({ go: "/story/42" });
    expect(numberCommand("42")?.label).toBe("Go to story #42");
    expect(numberCommand("T7")?.target).toEqual({ go: "/search?q=T7" });
    expect(numberCommand("42 monkeys")).toBeNull();
    expect(searchCommand("is:open tag:ui")?.target).toEqual({ go: "/search?q=is%3Aopen%20tag%3Aui" });
    expect(searchCommand("  ")).toBeNull();
  });
});
