import { describe, expect, it } from "vitest";
import { privacyLine } from "./PrivacySummary";

describe("privacyLine", () => {
  it("says who can see a private story in one line", () => {
    const story = { private: true, security: true, information_type: "private_security", users: [{}, {}, {}], teams: [{}] };
    expect(privacyLine(story as never)).toBe("Private · visible to 3 people, 1 team · Security");
  });
  it("counts one person and no team", () => {
    expect(privacyLine({ private: true, security: false, information_type: "private", users: [{}], teams: [] } as never)).toBe(
      "Private · visible to 1 person",
    );
  });
  it("is short for a public story", () => {
    expect(privacyLine({ private: false, security: false, information_type: "public", users: [], teams: [] } as never)).toBe("Public");
    expect(privacyLine({ private: false, security: true, information_type: "public_security", users: [], teams: [] } as never)).toBe(
      "Public · Security",
    );
  });
});
