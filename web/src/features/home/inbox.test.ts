import { describe, expect, it } from "vitest";
import { storyOf } from "./inbox";

describe("storyOf", () => {
  it("reads the story of a comment or task row", () => {
    expect(storyOf('{"story_id": 7, "story_title": "Boot fails", "comment_id": 3}')).toEqual({ id: 7, title: "Boot fails" });
    expect(storyOf('{"story_id": 7, "task_title": "Fix"}')).toEqual({ id: 7, title: null });
  });
  it("has none for rows without a story or with broken info", () => {
    expect(storyOf('{"worklist_id": 2}')).toBeNull();
    expect(storyOf("not json")).toBeNull();
    expect(storyOf(null)).toBeNull();
    expect(storyOf('"7"')).toBeNull();
  });
});
