import DOMPurify from "dompurify";
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import ini from "highlight.js/lib/languages/ini";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import pythonRepl from "highlight.js/lib/languages/python-repl";
import rust from "highlight.js/lib/languages/rust";
import shell from "highlight.js/lib/languages/shell";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import MarkdownIt from "markdown-it";
import type StateInline from "markdown-it/lib/rules_inline/state_inline.mjs";
import type StateCore from "markdown-it/lib/rules_core/state_core.mjs";
import { fullNameMentions } from "./NotificationMentions";

// The languages of an open-source infrastructure tracker's pasted code and configuration.
for (const [name, lang] of Object.entries({
  bash, c, cpp, diff, go, ini, java, javascript, json, python, "python-repl": pythonRepl, rust, shell, sql, typescript, xml, yaml,
})) {
  hljs.registerLanguage(name, lang);
}

/** A fenced block names its language (```python): highlighted; with none, or an unknown one, the text
 * is kept exactly as it is (pasted logs are never guessed at). */
function highlight(code: string, lang: string): string {
  const name = lang.trim().toLowerCase();
  if (!name || !hljs.getLanguage(name)) return "";
  try {
    return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  } catch {
    return "";
  }
}

// Raw HTML in the source is shown as text (html: false), and the output is sanitized anyway.
const md = new MarkdownIt({ html: false, linkify: true, breaks: true, highlight });

const WORD = /[\p{L}\p{N}_]/u;

/** `#123` → a link to story 123, `@name` → a link to that person (`@ada.lovelace`, `@ada_lovelace`: the
 * person named Ada Lovelace); only after a space, a line start or
 * an opening bracket, so "a#1", "bob@example.org" and URLs' fragments stay text. */
function references(state: StateInline, silent: boolean): boolean {
  const start = state.pos;
  const marker = state.src.charCodeAt(start);
  if (marker !== 0x23 /* # */ && marker !== 0x40 /* @ */) return false;
  const before = start > 0 ? state.src[start - 1] ?? "" : "";
  if (before && !/[\s([{]/.test(before)) return false;
  const rest = state.src.slice(start + 1);
  const match = marker === 0x23 ? /^\d{1,10}/.exec(rest) : /^[\p{L}\p{N}_](?:[\p{L}\p{N}_.-]*[\p{L}\p{N}_])?/u.exec(rest);
  if (!match) return false;
  const after = rest[match[0].length] ?? "";
  if (after && WORD.test(after)) return false;
  if (!silent) {
    const href = marker === 0x23 ? `/story/${match[0]}` : `/user/@${encodeURIComponent(match[0])}`;
    const open = state.push("link_open", "a", 1);
    open.attrs = [["href", href], ["class", marker === 0x23 ? "story-ref" : "mention"]];
    const text = state.push("text", "", 0);
    text.content = state.src.slice(start, start + 1 + match[0].length);
    state.push("link_close", "a", -1);
  }
  state.pos += 1 + match[0].length;
  return true;
}
md.inline.ruler.before("emphasis", "references", references);
// `@[Full Name]`, the mention the server reads (and the completion inserts): before `@name`.
md.inline.ruler.before("references", "full_name_mentions", fullNameMentions);

/** GitHub's task lists: a list item starting with "[ ]" or "[x]" shows a checkbox (read-only). */
function taskLists(state: StateCore): void {
  const tokens = state.tokens;
  for (let i = 2; i < tokens.length; i++) {
    const inline = tokens[i];
    const item = tokens[i - 2];
    if (inline?.type !== "inline" || tokens[i - 1]?.type !== "paragraph_open" || item?.type !== "list_item_open") continue;
    const m = /^\[([ xX])\][ \t]/.exec(inline.content);
    const first = inline.children?.[0];
    if (!m || first?.type !== "text" || !first.content.startsWith(m[0])) continue;
    first.content = first.content.slice(m[0].length);
    const box = new state.Token("html_inline", "", 0);
    const done = m[1] !== " ";
    box.content = `<input type="checkbox" class="task-list-check" disabled aria-label="${done ? "Done" : "Not done"}"${done ? " checked" : ""}> `;
    inline.children?.unshift(box);
    item.attrJoin("class", "task-list-item");
  }
}
md.core.ruler.after("inline", "task_lists", taskLists);

const SAFE_URL = /^(https?:|mailto:|\/|#)/i;

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") ?? "";
    if (!SAFE_URL.test(href)) node.removeAttribute("href");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
  // The only inputs markdown makes are task list boxes: always read-only checkboxes.
  if (node.tagName === "INPUT") {
    node.setAttribute("type", "checkbox");
    node.setAttribute("disabled", "");
  }
});

/** Markdown to sanitized HTML. Indented or fenced blocks (pasted logs) keep their whitespace in <pre>. */
export function renderMarkdown(source: string | null | undefined): string {
  if (!source) return "";
  return DOMPurify.sanitize(md.render(source), { USE_PROFILES: { html: true } });
}
