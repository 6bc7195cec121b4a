import { describe, expect, it } from "vitest";
import { storyboardRedirect } from "./storyboard";
import { parseError } from "../api/client";
import { authorizeUrl, pkceChallenge } from "./auth";

describe("storyboardRedirect", () => {
  it("maps old StoryBoard links", () => {
    expect(storyboardRedirect("#!/story/123")).toBe("/story/123");
    expect(storyboardRedirect("#!/project/456")).toBe("/project/456");
    expect(storyboardRedirect("#!/story/list")).toBeNull();
    expect(storyboardRedirect("#top")).toBeNull();
  });
});

describe("parseError", () => {
  it("reads every error shape", () => {
    const v = parseError(400, { message: "too short", field: "title" });
    expect([v.message, v.field]).toEqual(["too short", "title"]);
    expect(parseError(404, { faultstring: "Story 9 not found" }).message).toBe("Story 9 not found");
    expect(parseError(401, { code: 401, title: "Unauthorized", description: null }).message).toBe("Unauthorized");
    expect(parseError(502, null).message).toContain("502");
  });
});

describe("authorizeUrl", () => {
  it("asks the server's login flow for a code, with a PKCE challenge", () => {
    const url = new URL(authorizeUrl("http://localhost:8000", "localhost", "s1", "c1"), "http://localhost:8000");
    expect(url.pathname).toBe("/api/v1/openid/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: "code", client_id: "localhost", redirect_uri: "http://localhost:8000/auth/callback",
      scope: "user", state: "s1", code_challenge: "c1", code_challenge_method: "S256",
    });
  });
});

describe("pkceChallenge", () => {
  it("is the S256 challenge of RFC 7636's example", async () => {
    expect(await pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"))
      .toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });
});
