import { describe, expect, it } from "vitest";
import {
  auditValue,
  describeAudit,
  embargoState,
  fromLocalInput,
  isPrivateType,
  reportDescription,
  toLocalInput,
  typeLabel,
} from "./security";

describe("dates for datetime-local inputs", () => {
  it("round-trips an API time through the input", () => {
    const iso = "2026-12-24T18:30:00+00:00";
    const local = toLocalInput(iso);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(fromLocalInput(local)).toBe(new Date(iso).toISOString());
  });

  it("reads local time", () => {
    expect(fromLocalInput("2026-12-24T18:30")).toBe(new Date(2026, 11, 24, 18, 30).toISOString());
  });

  it("gives nothing for empty or broken values", () => {
    expect(toLocalInput(null)).toBe("");
    expect(toLocalInput("not a date")).toBe("");
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("24/12/2026")).toBeNull();
  });
});

describe("embargoState", () => {
  const base = { private: true, embargo_until: null, embargo_days_left: null, embargo_expired: false, disclosure_at: null };

  it("says nothing without an embargo", () => {
    expect(embargoState(base)).toBeNull();
  });

  it("counts the days left", () => {
    const s = { ...base, embargo_until: "2027-01-01T00:00:00+00:00" };
    expect(embargoState({ ...s, embargo_days_left: 12 })?.text).toBe("Embargoed (12 days left).");
    expect(embargoState({ ...s, embargo_days_left: 1 })?.text).toBe("Embargoed (1 day left).");
    expect(embargoState({ ...s, embargo_days_left: 0 })?.text).toBe("Embargoed (less than a day left).");
  });

  it("flags an expired embargo as due for disclosure", () => {
    const due = embargoState({ ...base, embargo_until: "2026-01-01T00:00:00+00:00", embargo_days_left: 0, embargo_expired: true });
    expect(due?.tone).toBe("due");
    expect(due?.text).toMatch(/due for disclosure/);
  });
});

describe("information types", () => {
  it("labels and classifies them", () => {
    expect(typeLabel("private_security")).toBe("Private security");
    expect(typeLabel("something_new")).toBe("something_new");
    expect(isPrivateType("private")).toBe(true);
    expect(isPrivateType("public_security")).toBe(false);
  });
});

describe("audit log wording", () => {
  it("describes entries", () => {
    expect(describeAudit({ action: "changed", field: "information_type" })).toBe("Changed: information type");
    expect(describeAudit({ action: "created", field: "teams" })).toBe("Set at creation: teams on the access list");
    expect(describeAudit({ action: "security_team_added", field: "teams" })).toBe("Security team added for a task");
    expect(describeAudit({ action: "story_flagged", field: null })).toBe("story flagged");
    expect(describeAudit({ action: "disclosed", field: "information_type" })).toBe("Disclosed");
  });

  it("formats values", () => {
    expect(auditValue("information_type", "private")).toBe("Private");
    expect(auditValue("users", [3, 5])).toBe("3, 5");
    expect(auditValue("information_type", { from: "private_security", to: "public_security" })).toBe("Public security");
    expect(
      auditValue("information_type", { from: "private", to: "public", scheduled_for: "2026-12-24T18:30:00+00:00", delay_seconds: 600 }),
    ).toBe(`Public (scheduled for ${new Date("2026-12-24T18:30:00Z").toLocaleString()}, 10 min late)`);
    expect(auditValue("users", [])).toBe("empty");
    expect(auditValue("embargo_until", null)).toBe("none");
    expect(auditValue("embargo_until", "2026-12-24 18:30:00")).toBe(new Date("2026-12-24T18:30:00Z").toLocaleString());
  });
});

describe("reportDescription", () => {
  it("puts the symptom first and skips empty parts", () => {
    expect(reportDescription({ happened: " It crashed. ", steps: "", expected: "No crash" })).toBe(
      "### What happened\n\nIt crashed.\n\n### What I expected\n\nNo crash",
    );
  });
});

describe("preview paths", () => {
  it("go to /preview at the root, with a query, not under /api/v1", async () => {
    const { buildUrl } = await import("../../api/client");
    expect(buildUrl("/preview/stories/3/audit", { limit: 100, sort_dir: "desc", marker: undefined })).toBe(
      "/preview/stories/3/audit?limit=100&sort_dir=desc",
    );
    expect(buildUrl("/preview/stories/3/disclose")).toBe("/preview/stories/3/disclose");
  });
});
