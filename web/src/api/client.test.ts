// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, ApiError } from "./client";

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

describe("api", () => {
  it("sends the token and reads the answer", async () => {
    localStorage.setItem("storyline.token", "t1");
    const fetch = vi.fn(async () => json(200, { id: 1 }));
    vi.stubGlobal("fetch", fetch);
    expect(await api("GET", "/users/self")).toEqual({ id: 1 });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/v1/users/self");
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer t1");
  });

  it("refreshes an expired token once and retries", async () => {
    localStorage.setItem("storyline.token", "old");
    localStorage.setItem("storyline.refresh_token", "r1");
    const fetch = vi.fn(async (url: string, init?: RequestInit) => {
      if (url.startsWith("/api/v1/openid/token")) {
        expect(url).toContain("grant_type=refresh_token&refresh_token=r1");
        return json(200, { access_token: "new", refresh_token: "r2" });
      }
      const auth = (init?.headers as Record<string, string>).Authorization;
      return auth === "Bearer new" ? json(200, { ok: true }) : json(401, { code: 401, title: "Unauthorized" });
    });
    vi.stubGlobal("fetch", fetch);
    expect(await api("GET", "/users/self")).toEqual({ ok: true });
    expect(localStorage.getItem("storyline.token")).toBe("new");
    expect(localStorage.getItem("storyline.refresh_token")).toBe("r2");
  });

  it("gives the field of a validation error", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(400, { message: "too short", field: "title" })));
    const error = await api("POST", "/stories", undefined, { title: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).field).toBe("title");
  });
});
