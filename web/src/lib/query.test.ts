import { describe, expect, it } from "vitest";
import { completions, jumpTarget, parseQuery, type Resolver, ResolveError, storyRequest } from "./query";

describe("parseQuery: accepted queries", () => {
  it.each([
    ["is:open", { status: ["active"] }],
    ["is:closed", { status: ["merged", "invalid"] }],
    ["status:merged,invalid", { status: ["merged", "invalid"] }],
    ["project:nova", { project: "nova" }],
    ['project:"openstack/nova"', { project: "openstack/nova" }],
    ["group:compute", { group: "compute" }],
    ["tag:ui tag:bug", { tags: ["ui", "bug"], tagsMode: "all" }],
    ["tag:ui,bug", { tags: ["ui", "bug"], tagsMode: "any" }],
    ['tag:"needs review"', { tags: ["needs review"] }],
    ["assignee:@me", { assignee: { me: true } }],
    ["creator:42", { creator: { id: 42 } }],
    ["subscriber:@ada", { subscriber: { name: "ada" } }],
    ["updated:>2026-01-01", { updatedSince: "2026-01-01T00:00:00Z" }],
    ["sort:updated-asc", { sort: { field: "updated_at", dir: "asc" } }],
    ["sort:title", { sort: { field: "title", dir: "asc" } }],
    ["#123", { storyId: 123 }],
    ["5", { storyId: 5 }],
    ["T77", { taskId: 77 }],
    ["scheduler race is:open", { text: "scheduler race", status: ["active"] }],
    ["http://x.org/a:b", { text: "http://x.org/a:b" }],
  ])("%s", (query, expected) => {
    const parsed = parseQuery(query);
    expect(parsed.errors).toEqual([]);
    expect(parsed).toMatchObject(expected);
  });
});

describe("parseQuery: refused queries, with the position of the error", () => {
  it.each([
    ["is:open is:sleeping", 8, 19, /is: takes open/],
    ["status:done", 0, 11, /status: takes active/],
    ["frobnicate:1 x", 0, 12, /Unknown qualifier frobnicate:/],
    ["-tag:x", 0, 6, /Negation/],
    ["a OR b", 2, 4, /OR are not supported/],
    ["x (a", 2, 4, /Parentheses/],
    ["project:a project:b", 10, 19, /project: is given twice/],
    ["updated:2026", 0, 12, /updated: takes >YYYY-MM-DD/],
    ["sort:colour", 0, 11, /sort: takes/],
    ['tag:"open', 4, 9, /quote is not closed/],
    ["tag:a,b tag:c", 8, 13, /cannot be combined/],
    ["assignee:", 0, 9, /needs a value/],
    ["branch:master", 0, 13, /branch: is not supported yet/],
  ])("%s", (query, start, end, message) => {
    const errors = parseQuery(query).errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ start, end });
    expect(errors[0]?.message).toMatch(message);
  });
  it("keeps parsing after an error", () => {
    const parsed = parseQuery("is:nope tag:ui words");
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.tags).toEqual(["ui"]);
    expect(parsed.text).toBe("words");
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

describe("storyRequest", () => {
  // In-memory name tables stand in for the server's look-ups here; the browser tests use the real ones.
  const names: Record<string, number> = { nova: 3, compute: 8, bob: 21 };
  const find = (ref: string) => (ref in names ? Promise.resolve(names[ref] as number) : Promise.reject(new ResolveError(`No ${ref}`)));
  const resolver: Resolver = { selfId: 7, projectId: find, groupId: find, userId: find };
  const page = { limit: 25, offset: 50 };

  it("maps qualifiers onto the v1 story list", async () => {
    const req = await storyRequest(parseQuery("is:open project:nova tag:ui assignee:@me creator:bob sort:id-asc"), resolver, page);
    expect(req).toEqual({
      path: "/stories",
      query: {
        status: ["active"], tags: ["ui"], tags_filter_type: null, updated_since: null, sort_field: "id", sort_dir: "asc",
        limit: 25, offset: 50, project_id: 3, assignee_id: 7, creator_id: 21,
      },
    });
  });
  it("uses full-text search when there are free words", async () => {
    const req = await storyRequest(parseQuery("race group:compute tag:a,b"), resolver, page);
    expect(req.path).toBe("/stories/search");
    expect(req.query).toMatchObject({ q: "race", project_group_id: 8, tags: ["a", "b"], tags_filter_type: "any" });
  });
  it("takes ids as they are", async () => {
    const req = await storyRequest(parseQuery("project:99 subscriber:5"), resolver, page);
    expect(req.query).toMatchObject({ project_id: 99, subscriber_id: 5 });
  });
  it("refuses @me without a login, and unknown names", async () => {
    await expect(storyRequest(parseQuery("assignee:@me"), { ...resolver, selfId: null }, page)).rejects.toThrow(/log in/);
    await expect(storyRequest(parseQuery("project:nope"), resolver, page)).rejects.toThrow(/No nope/);
  });
});

describe("completions", () => {
  it("completes qualifiers and their values", () => {
    expect(completions("is:open pro", 11)).toEqual({ start: 8, options: ["project:"] });
    expect(completions("is:", 3).options).toEqual(["is:open", "is:merged", "is:invalid", "is:closed"]);
    expect(completions("assignee:@", 10).options).toEqual(["assignee:@me"]);
    expect(completions("hello", 5).options).toEqual([]);
  });
});
