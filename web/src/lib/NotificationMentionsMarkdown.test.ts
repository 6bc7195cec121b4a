// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

describe("mentions in rendered markdown", () => {
  it("shows @[Full Name] as the highlighted person, sanitized, beside @name links", () => {
    const html = renderMarkdown("Thanks @[Ada Admin] and @bob.smith; not `@[Code Name]`.");
    expect(html).toContain(
      '<a href="/user/@Ada%20Admin" class="mention mention-name" rel="noopener noreferrer nofollow">@Ada Admin</a>',
    );
    expect(html).toContain('<a href="/user/@bob.smith" class="mention"');
    expect(html).toContain("<code>@[Code Name]</code>");
  });
});
