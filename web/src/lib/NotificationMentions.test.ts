import MarkdownIt from "markdown-it";
import { describe, expect, it } from "vitest";
import {
  fullNameMentionAt,
  fullNameMentions,
  insertMention,
  mentionedNames,
  mentionOf,
  mentionQueryAt,
} from "./NotificationMentions";

describe("mentionQueryAt", () => {
  const at = (text: string) => mentionQueryAt(text, text.length);
  it("finds the letters typed after an @ at the caret", () => {
    expect(at("@a")).toEqual({ start: 0, query: "a" });
    expect(at("Thanks @Ada")).toEqual({ start: 7, query: "Ada" });
    expect(at("see (@bob")).toEqual({ start: 5, query: "bob" });
    expect(at("hi\n@Zoë")).toEqual({ start: 3, query: "Zoë" });
  });
  it("keeps a space typed inside a name", () => {
    expect(at("cc @Ada Lo")).toEqual({ start: 3, query: "Ada Lo" });
  });
  it("is none for an @ alone, inside a word or address, a finished mention, or code", () => {
    expect(at("@")).toBeNull();
    expect(at("write to bob@exam")).toBeNull();
    expect(at("@[Ada")).toBeNull();
    expect(at("@1abc")).toBeNull();
    expect(at("run `foo @bar")).toBeNull();
    expect(at("```\nlog @line")).toBeNull();
    expect(at("```\ncode\n```\nthen @ada")).toEqual({ start: 18, query: "ada" });
    expect(at(`@${"a".repeat(41)}`)).toBeNull();
  });
  it("reads up to the caret only", () => {
    expect(mentionQueryAt("@Ada and more", 4)).toEqual({ start: 0, query: "Ada" });
    expect(mentionQueryAt("@Ada and more words", 19)).toBeNull();
  });
});

describe("inserting a mention", () => {
  it("replaces the query with @[Full Name] and a space, the caret after it", () => {
    const text = "Thanks @ad";
    const q = mentionQueryAt(text, text.length) ?? { start: -1, query: "" };
    expect(q).toEqual({ start: 7, query: "ad" });
    expect(insertMention(text, q, text.length, "Ada Admin")).toEqual({ text: "Thanks @[Ada Admin] ", caret: 20 });
  });
  it("keeps the text after the caret, without doubling a space", () => {
    const text = "cc @bo and others";
    const q = mentionQueryAt(text, 6) ?? { start: -1, query: "" };
    expect(insertMention(text, q, 6, "Bob Builder")).toEqual({ text: "cc @[Bob Builder] and others", caret: 17 });
  });
  it("refuses names the syntax cannot carry", () => {
    expect(mentionOf("  Ada   Admin ")).toBe("@[Ada Admin]");
    expect(mentionOf("odd]name")).toBeNull();
    expect(mentionOf("")).toBeNull();
    expect(insertMention("@x", { start: 0, query: "x" }, 2, "a]b")).toBeNull();
  });
});

describe("reading mentions", () => {
  it("reads @[Name] as the server does", () => {
    expect(fullNameMentionAt("@[Ada  Admin] hi", 0)).toEqual({ name: "Ada Admin", length: 13 });
    expect(fullNameMentionAt("x @[Ada]", 2)).toEqual({ name: "Ada", length: 6 });
    expect(fullNameMentionAt("x@[Ada]", 1)).toBeNull();
    expect(fullNameMentionAt("/@[Ada]", 1)).toBeNull();
    expect(fullNameMentionAt("@[]", 0)).toBeNull();
    expect(fullNameMentionAt("@[Ada", 0)).toBeNull();
    expect(fullNameMentionAt("@[Ada\nAdmin]", 0)).toBeNull();
    expect(fullNameMentionAt("@Ada", 0)).toBeNull();
  });
  it("lists the people a text mentions, once each, outside code", () => {
    expect(mentionedNames("@[Ada Admin] and @[bob builder], @[ADA ADMIN] `@[Not Me]`\n```\n@[Nor Me]\n```")).toEqual([
      "Ada Admin",
      "bob builder",
    ]);
  });
});

describe("the markdown rule", () => {
  const md = new MarkdownIt({ linkify: true });
  md.inline.ruler.before("emphasis", "full_name_mentions", fullNameMentions);
  it("renders a mention as a highlighted link to the person", () => {
    expect(md.renderInline("Thanks @[Ada Admin]!")).toBe(
      'Thanks <a href="/user/@Ada%20Admin" class="mention mention-name">@Ada Admin</a>!',
    );
  });
  it("leaves code, addresses and broken mentions alone", () => {
    expect(md.renderInline("`@[Ada]`")).toBe("<code>@[Ada]</code>");
    expect(md.renderInline("x@[Ada]")).not.toContain("mention");
    expect(md.renderInline("@[Ada")).toBe("@[Ada");
  });
  it("escapes what the name holds", () => {
    expect(md.renderInline('@[<b onclick="x">]')).toBe(
      '<a href="/user/@%3Cb%20onclick%3D%22x%22%3E" class="mention mention-name">@&lt;b onclick=&quot;x&quot;&gt;</a>',
    );
  });
});
