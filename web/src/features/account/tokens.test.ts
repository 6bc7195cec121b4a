import { describe, expect, it } from "vitest";
import { expiresIn, isExpired, MAX_EXPIRES_IN, sortTokens, tokenLabel } from "./tokens";

describe("expiresIn", () => {
  const now = new Date(2026, 10, 30, 12, 0, 0);

  it("turns a fixed choice into seconds", () => {
    expect(expiresIn("7", "", now)).toEqual({ seconds: 7 * 86_400 });
    expect(expiresIn("365", "2000-01-01", now)).toEqual({ seconds: 365 * 86_400 });
  });

  it("lasts until the end of the chosen day", () => {
    expect(expiresIn("date", "2026-12-01", now)).toEqual({ seconds: 86_400 + 12 * 3600 - 1 });
    expect(expiresIn("date", "2026-11-30", now)).toEqual({ seconds: 12 * 3600 - 1 });
  });

  it("refuses a missing, past or too distant date, naming the field", () => {
    expect(expiresIn("date", "", now).error?.field).toBe("expires_date");
    expect(expiresIn("date", "2026-11-29", now).error?.message).toMatch(/today or later/);
    expect(expiresIn("date", "2099-01-01", now).error?.message).toMatch(/too far/);
    expect(expiresIn("nonsense", "", now).error?.field).toBe("expires_in");
  });

  it("accepts the longest lifetime the API takes", () => {
    const last = new Date(now.getTime() + MAX_EXPIRES_IN * 1000 - 86_400_000);
    const iso = `${last.getFullYear()}-${String(last.getMonth() + 1).padStart(2, "0")}-${String(last.getDate()).padStart(2, "0")}`;
    const r = expiresIn("date", iso, now);
    expect(r.seconds).toBeGreaterThan(MAX_EXPIRES_IN - 2 * 86_400);
    expect(r.seconds).toBeLessThanOrEqual(MAX_EXPIRES_IN);
  });
});

describe("tokens", () => {
  it("knows an expired token", () => {
    const now = new Date("2026-11-30T12:00:00Z");
    expect(isExpired({ expires_at: "2026-11-30T11:59:59+00:00" }, now)).toBe(true);
    expect(isExpired({ expires_at: "2026-11-30T12:00:01+00:00" }, now)).toBe(false);
  });

  it("lists personal tokens first, newest first", () => {
    const list = [
      { id: 1, kind: "personal" },
      { id: 5, kind: "session" },
      { id: 3, kind: "personal" },
      { id: 2, kind: "session" },
    ];
    expect(sortTokens(list).map((t) => t.id)).toEqual([3, 1, 5, 2]);
  });

  it("labels tokens without a name", () => {
    expect(tokenLabel({ id: 4, name: "ci bot", kind: "personal" })).toBe("ci bot");
    expect(tokenLabel({ id: 4, name: null, kind: "session" })).toBe("Web login #4");
    expect(tokenLabel({ id: 4, name: "", kind: "personal" })).toBe("Unnamed token #4");
    expect(tokenLabel({ id: 5, name: null, kind: "feed" })).toBe("Feed token #5");
  });
});
