// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { takePrefetched } from "./prefetch";

describe("takePrefetched", () => {
  it("hands out a prefetched answer once, for the same token only", () => {
    const response = Promise.resolve(new Response("[]"));
    window.__storylinePrefetch = {
      "/api/v1/stories/1": { token: "t", response },
      "/api/v1/stories/2": { token: "t", response },
    };
    expect(takePrefetched("/api/v1/stories/1", "t")).toBe(response);
    expect(takePrefetched("/api/v1/stories/1", "t")).toBeNull();
    expect(takePrefetched("/api/v1/stories/2", "other")).toBeNull();
    expect(takePrefetched("/api/v1/stories/3", "t")).toBeNull();
  });
});
