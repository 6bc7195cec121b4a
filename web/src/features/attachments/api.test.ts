import { describe, expect, it } from "vitest";
import { formatSize } from "./api";

describe("formatSize", () => {
  it("says bytes, kilobytes and megabytes", () => {
    expect(formatSize(0)).toBe("0 B");
    expect(formatSize(1023)).toBe("1023 B");
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(200 * 1024)).toBe("200 KB");
    expect(formatSize(10 * 1024 * 1024)).toBe("10 MB");
  });
});
