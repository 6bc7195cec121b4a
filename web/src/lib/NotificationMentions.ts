// @mentions in markdown text: the server's syntax is `@[Full Name]` (src/storyline/notifications/follow.py);
// a mentioned person who may see the story is subscribed to it and told. Pure functions: finding what is
// being typed after an `@`, inserting the chosen name, and recognising a mention when rendering.
import type StateInline from "markdown-it/lib/rules_inline/state_inline.mjs";

/** The longest name the server reads between the brackets. */
export const MAX_MENTION_NAME = 255;
/** Letters typed after `@` are a query until they are this long. */
const MAX_QUERY = 40;

/** What is being typed after an `@` just before the caret: `start` is the `@`'s index, `query` the
 * letters after it (spaces allowed inside, as in "Ada Lo"). Null when the caret is not in one. */
export interface MentionQuery {
  start: number;
  query: string;
}

// Before an `@`: the text's start, a space or an opening bracket (never a word: "bob@example.org").
const QUERY_AT_CARET = /(?:^|[\s([{])@(\p{L}[\p{L}\p{M}\p{N}'.-]*(?: [\p{L}\p{M}\p{N}'.-]*){0,2})$/u;

export function mentionQueryAt(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const m = QUERY_AT_CARET.exec(before);
  if (!m?.[1] || m[1].length > MAX_QUERY || inCode(before)) return null;
  return { start: caret - m[1].length - 1, query: m[1] };
}

/** Inside a code span or fence (an odd number of backtick runs before): no completion there. */
function inCode(before: string): boolean {
  const fences = before.match(/^(```|~~~)/gm)?.length ?? 0;
  if (fences % 2 === 1) return true;
  const line = before.slice(before.lastIndexOf("\n") + 1);
  return (line.match(/`/g)?.length ?? 0) % 2 === 1;
}

/** The mention of a person, or null for a name the syntax cannot carry (a `]` or a line break). */
export function mentionOf(fullName: string): string | null {
  const name = fullName.trim().replace(/\s+/g, " ");
  if (!name || name.length > MAX_MENTION_NAME || /[\]\n]/.test(name)) return null;
  return `@[${name}]`;
}

/** The text with the query at `at` replaced by the mention (and a space after it), and the caret after
 * that space. */
export function insertMention(text: string, at: MentionQuery, caret: number, fullName: string): { text: string; caret: number } | null {
  const mention = mentionOf(fullName);
  if (mention === null) return null;
  const after = text.slice(caret);
  const inserted = after.startsWith(" ") ? mention : `${mention} `;
  return { text: text.slice(0, at.start) + inserted + after, caret: at.start + inserted.length };
}

/** A mention `@[Name]` starting at `pos` in `src`, as the server reads it (not after a word character,
 * `@` or `/`): the name, whitespace collapsed, and the mention's length. */
export function fullNameMentionAt(src: string, pos: number): { name: string; length: number } | null {
  if (src.charCodeAt(pos) !== 0x40 /* @ */ || src.charCodeAt(pos + 1) !== 0x5b /* [ */) return null;
  const before = pos > 0 ? (src[pos - 1] ?? "") : "";
  if (before && /[\p{L}\p{N}_@/]/u.test(before)) return null;
  const close = src.indexOf("]", pos + 2);
  if (close < 0) return null;
  const raw = src.slice(pos + 2, close);
  if (!raw || raw.length > MAX_MENTION_NAME || raw.includes("\n")) return null;
  const name = raw.trim().replace(/\s+/g, " ");
  return name ? { name, length: close + 1 - pos } : null;
}

/** The people (full names) a text mentions, outside code, as the server counts them. */
export function mentionedNames(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?(?:```|$)|~~~[\s\S]*?(?:~~~|$)|`[^`\n]*`/g, " ");
  const names: string[] = [];
  for (let i = prose.indexOf("@["); i >= 0; i = prose.indexOf("@[", i + 1)) {
    const m = fullNameMentionAt(prose, i);
    if (m && !names.some((n) => n.toLowerCase() === m.name.toLowerCase())) names.push(m.name);
  }
  return names;
}

/** markdown-it inline rule: `@[Full Name]` becomes a highlighted link to the person (/user/@Full Name,
 * which finds them by name). Code spans are handled by markdown-it before this rule sees the text. */
export function fullNameMentions(state: StateInline, silent: boolean): boolean {
  const found = fullNameMentionAt(state.src, state.pos);
  if (!found) return false;
  if (!silent) {
    const open = state.push("link_open", "a", 1);
    open.attrs = [
      ["href", `/user/@${encodeURIComponent(found.name)}`],
      ["class", "mention mention-name"],
    ];
    const text = state.push("text", "", 0);
    text.content = `@${found.name}`;
    state.push("link_close", "a", -1);
  }
  state.pos += found.length;
  return true;
}
