"""Markdown to sanitized HTML for what leaves the web client (feeds, e-mail).

The web client's rules (web/src/lib/markdown.ts): raw HTML in the source is shown as text, line breaks
are kept, and the output is sanitized anyway (nh3): only formatting tags, links to http(s), mailto or
relative addresses, marked rel="noopener noreferrer nofollow"; no images (a feed reader would fetch
them, telling a third party who reads what).
"""

from __future__ import annotations

import functools

import nh3
from markdown_it import MarkdownIt

_TAGS = {"a", "p", "br", "hr", "em", "strong", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li",
         "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}


@functools.cache
def _parser() -> MarkdownIt:
    # "js-default": markdown-it's own defaults (tables, strikethrough; raw HTML off), as the web client.
    return MarkdownIt("js-default", {"breaks": True, "html": False})


def render_markdown(source: str | None) -> str:
    """`source` as sanitized HTML ("" for none)."""
    if not source:
        return ""
    return nh3.clean(_parser().render(source), tags=_TAGS, attributes=_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow",
                     filter_style_properties={"text-align"})
