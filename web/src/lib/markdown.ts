import DOMPurify from "dompurify";
import MarkdownIt from "markdown-it";

// Raw HTML in the source is shown as text (html: false), and the output is sanitized anyway.
const md = new MarkdownIt({ html: false, linkify: true, breaks: true });

const SAFE_URL = /^(https?:|mailto:|\/|#)/i;

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") ?? "";
    if (!SAFE_URL.test(href)) node.removeAttribute("href");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

/** Markdown to sanitized HTML. Indented or fenced blocks (pasted logs) keep their whitespace in <pre>. */
export function renderMarkdown(source: string | null | undefined): string {
  if (!source) return "";
  return DOMPurify.sanitize(md.render(source), { USE_PROFILES: { html: true } });
}
