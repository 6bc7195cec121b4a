import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { canonical, completions, jumpTarget, MAX_DEPTH, parse, parseQuery, QuerySyntaxError } from "./query";

// The table of cases the server's parser is checked against too (tests/unit/test_search_query.py).
type Q = string | { repeat: string; times: number };
interface Cases {
  accepted: { q: Q; tree: string | null; sort: string | null }[];
  refused: { q: Q; position: number; expected: string }[];
}
const CASES = JSON.parse(readFileSync(new URL("../../../tests/search_query_cases.json", import.meta.url), "utf8")) as Cases;
const queryOf = (q: Q) => (typeof q === "string" ? q : q.repeat.repeat(q.times));
const label = (q: Q) => JSON.stringify(queryOf(q)).slice(0, 40);

describe("parse: the shared table, accepted", () => {
  it.each(CASES.accepted.map((c) => [label(c.q), c] as const))("%s", (_name, c) => {
    const parsed = parse(queryOf(c.q));
    expect({ tree: parsed.tree === null ? null : canonical(parsed.tree), sort: parsed.sort === null ? null : parsed.sort.join("-") }).toEqual({
      tree: c.tree,
      sort: c.sort,
    });
  });
});

describe("parse: the shared table, refused with the position of the mistake", () => {
  it.each(CASES.refused.map((c) => [label(c.q), c] as const))("%s", (_name, c) => {
    let error: unknown = null;
    try {
      parse(queryOf(c.q));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QuerySyntaxError);
    const e = error as QuerySyntaxError;
    expect({ position: e.start, expected: e.expected }).toEqual({ position: c.position, expected: c.expected });
    expect(e.end).toBeGreaterThanOrEqual(e.start);
    expect(e.message.length).toBeGreaterThan(0);
  });
  it("has both kinds of cases", () => {
    expect(CASES.accepted.length).toBeGreaterThan(30);
    expect(CASES.refused.length).toBeGreaterThan(30);
  });
});

describe("parse: limits", () => {
  it("accepts exactly the deepest nesting allowed", () => {
    const tree = parse("(".repeat(MAX_DEPTH) + "a" + ")".repeat(MAX_DEPTH)).tree;
    expect(tree && canonical(tree)).toBe('(text "a")');
    expect(() => parse("-".repeat(MAX_DEPTH + 1) + "a")).toThrow(QuerySyntaxError);
  });
  it("counts positions in characters", () => {
    expect(() => parse("tag:été is:nope")).toThrow(expect.objectContaining({ start: 11 }));
  });
});

describe("parseQuery", () => {
  it("gives the mistake as a value", () => {
    const p = parseQuery("is:open is:sleeping");
    expect(p.parsed).toBeNull();
    expect(p.errors).toEqual([expect.objectContaining({ start: 11, end: 19, expected: "open, closed, active, merged or invalid" })]);
    expect(p.errors[0]?.message).toMatch(/is: takes/);
  });
  it("keeps the words that must match, for tasks, projects and people", () => {
    expect(parseQuery('scheduler "race condition" is:open -flaky').text).toBe("scheduler race condition");
    expect(parseQuery("a OR b").text).toBe("");
  });
});

describe("jumpTarget", () => {
  it("jumps for a lone number, #number or T-number", () => {
    expect(jumpTarget(parseQuery("#12"))).toEqual({ story: 12 });
    expect(jumpTarget(parseQuery(" 12 "))).toEqual({ story: 12 });
    expect(jumpTarget(parseQuery("t9"))).toEqual({ task: 9 });
  });
  it("searches when there is more", () => {
    expect(jumpTarget(parseQuery("12 monkeys"))).toBeNull();
    expect(jumpTarget(parseQuery("#12 is:open"))).toBeNull();
  });
});

describe("completions", () => {
  it("completes qualifiers and their fixed values", () => {
    expect(completions("is:open pro", 11)).toEqual({ start: 8, options: ["project:"] });
    expect(completions("is:", 3).options).toEqual(["is:open", "is:active", "is:closed", "is:merged", "is:invalid"]);
    expect(completions("assignee:@", 10).options).toEqual(["assignee:@me"]);
    expect(completions("-(pri", 5)).toEqual({ start: 2, options: ["private:"] });
    expect(completions("sort:title", 10).options).toEqual(["sort:title-desc", "sort:title-asc"]);
    expect(completions("hello", 5).options).toEqual([]);
  });
});
