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
  it("links #N to the story and @name to the person, not inside words, e-mails or code", () => {
    const html = renderMarkdown("See #12, (#7) and @bob.smith; not a#3, bob@example.org or `#9`.");
    expect(html).toContain('<a href="/story/12" class="story-ref" rel="noopener noreferrer nofollow">#12</a>');
    expect(html).toContain('href="/story/7"');
    expect(html).toContain('<a href="/user/@bob.smith" class="mention"');
    expect(html).not.toContain('href="/story/3"');
    expect(html).not.toContain("/user/@example");
    expect(html).toContain("<code>#9</code>");
  });
  it("shows task lists as read-only checkboxes", () => {
    const html = renderMarkdown("- [ ] write it\n- [x] test it\n- plain item");
    expect(html).toMatch(/<li class="task-list-item"><input (?=[^>]*type="checkbox")(?=[^>]*disabled)[^>]*> write it<\/li>/);
    expect(html).toMatch(/<input (?=[^>]*checked)[^>]*> test it/);
    expect(html).toContain("<li>plain item</li>");
  });
  it("never lets a source make a live input", () => {
    const html = renderMarkdown('- [ ] <input type="text" onfocus="alert(1)">');
    expect(html.match(/<input/g)).toHaveLength(1);
    expect(html).toContain('&lt;input type="text" onfocus="alert(1)"&gt;');
  });
  it("highlights a fenced block that names its language, sanitized", () => {
    const html = renderMarkdown("```python\ndef f():\n    return '<b>'\n```");
    expect(html).toContain('<span class="hljs-keyword">def</span>');
    expect(html).toContain("&lt;b&gt;");
    expect(html).not.toContain("<b>");
  });
  it("keeps a block without a language exactly as pasted", () => {
    const html = renderMarkdown("```\nERROR def <x>\n```");
    expect(html).toContain("<pre><code>ERROR def &lt;x&gt;\n</code></pre>");
  });
});
