import { describe, expect, it } from "vitest";
import { describeRow, type OutboxRow } from "./OutboxPanel";

const row = (kind: string, summary: OutboxRow["summary"]): OutboxRow => ({
  id: 1, kind, created_at: "", attempts: 8, last_error: "x", next_attempt_at: null, parked_at: "", summary,
});

describe("describeRow", () => {
  it("says who an e-mail was for and what about", () => {
    expect(describeRow(row("email", { type: "event", user_id: 12, story_id: 3, event_type: "user_comment" })))
      .toBe("e-mail to user 12 about story 3 (user_comment)");
  });
  it("names digests and webhooks", () => {
    expect(describeRow(row("email", { type: "digest", user_id: 4 }))).toBe("digest e-mail to user 4");
    expect(describeRow(row("webhook", { hook_id: 7, story_id: 9 }))).toBe("webhook to webhook 7 about story 9");
  });
});
