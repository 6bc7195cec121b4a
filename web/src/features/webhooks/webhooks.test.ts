import { describe, expect, it } from "vitest";
import { eventsLabel, outcomeLabel, scopeLabel } from "./webhooks";

describe("webhooks", () => {
  it("names the events a hook takes", () => {
    expect(eventsLabel(null)).toBe("every story event");
    expect(eventsLabel(["user_comment", "task_created", "attachment_added"])).toBe("comments, task added, attachment added");
  });

  it("names the scope with the project or group name when known", () => {
    const names = new Map([["p3", "openstack/nova"]]);
    expect(scopeLabel({ scope: "project", project_id: 3, project_group_id: null }, names)).toBe("project openstack/nova");
    expect(scopeLabel({ scope: "project_group", project_id: null, project_group_id: 9 }, names)).toBe("project group 9");
    expect(scopeLabel({ scope: "all", project_id: null, project_group_id: null }, names)).toBe("every project");
  });

  it("says how a delivery went", () => {
    const base = { response_code: null, duration_ms: null, error: null };
    expect(outcomeLabel({ ...base, status: "delivered", response_code: 204, duration_ms: 12, attempts: 1 })).toBe("204 in 12 ms");
    expect(outcomeLabel({ ...base, status: "pending", attempts: 0 })).toBe("pending");
    expect(outcomeLabel({ ...base, status: "pending", attempts: 2, error: "HTTP 503" })).toBe("retrying (2 attempts): HTTP 503");
    expect(outcomeLabel({ ...base, status: "failed", attempts: 1, error: "ConnectError" })).toBe("failed after 1 attempt: ConnectError");
    expect(outcomeLabel({ ...base, status: "cancelled", attempts: 0 })).toBe("not sent: the hook was turned off");
  });
});
