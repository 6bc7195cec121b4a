import { describe, expect, it } from "vitest";
import { changeLabel, votesSummary } from "./LinkedChanges";

describe("linked changes", () => {
  it("summarizes votes per label: the lowest when negative, else the highest", () => {
    expect(votesSummary({ "Code-Review": { a: 1, b: 2 }, Verified: { zuul: -1, other: 1 }, Workflow: {} })).toBe(
      "Code-Review +2, Verified -1",
    );
    expect(votesSummary({})).toBe("");
  });

  it("labels changes as each source names them", () => {
    expect(changeLabel({ kind: "gerrit", repository: "openstack/nova", number: 123456, key: "123456" })).toBe(
      "openstack/nova 123456",
    );
    expect(changeLabel({ kind: "github", repository: "octo/widget", number: 7, key: "octo/widget#7" })).toBe("octo/widget#7");
    expect(changeLabel({ kind: "gitlab", repository: "g/p", number: 5, key: "g/p!5" })).toBe("g/p!5");
    expect(changeLabel({ kind: "github", repository: "octo/widget", number: null, key: "abcdef0123456789" })).toBe(
      "octo/widget@abcdef0123",
    );
  });
});
