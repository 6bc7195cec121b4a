// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

describe("renderMarkdown", () => {
  it("renders markdown", () => {
    expect(renderMarkdown("**bold** and `code`")).toContain("<strong>bold</strong>");
  });
  it("shows raw HTML as text, never as markup", () => {
    const html = renderMarkdown('<script>alert(1)</script><img src=x onerror="alert(2)">');
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;");
  });
  it("drops javascript: links", () => {
    const html = renderMarkdown("[click](javascript:alert(1))");
    expect(html).not.toMatch(/href="javascript/i);
  });
  it("keeps safe links, marked nofollow", () => {
    const html = renderMarkdown("[docs](https://example.org/x)");
    expect(html).toContain('href="https://example.org/x"');
    expect(html).toContain("nofollow");
  });
  it("keeps a pasted log's whitespace in a code block", () => {
    const log = "```\nTraceback (most recent call last):\n    File \"x.py\", line 1\n  ValueError:   bad\n```";
    const html = renderMarkdown(log);
    expect(html).toContain("<pre><code>");
    expect(html).toContain('    File "x.py", line 1\n  ValueError:   bad');
  });
  it("is empty for no text", () => {
    expect(renderMarkdown(null)).toBe("");
  });
});
