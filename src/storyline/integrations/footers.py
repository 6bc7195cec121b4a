"""Story and task references in commit messages and pull/merge request descriptions.

Recognised, several per message, in the case and spacing people really write:

- StoryBoard style: `Task: 1234`, `task:1234`, `TASK #1234`, `Tasks: 12, 34`, `Story: 2001234`. At the
  start of a line the colon and `#` are optional (`Task 1234`); elsewhere in a line one of them is
  needed (`fixes task #12`, `see Story: 34`), so prose such as "the story 3 times" is not a reference.
- Launchpad style (after the import a bug number is the story id), at the start of a line: an
  optional prefix word, then `bug` or `lp`, then the number: `Closes-Bug: #555`, `Partial-Bug: 555`,
  `Related-Bug: 555`, `Fixes: bug # 555`, `Partial-Bug: lp bug # 555`, `bug #555`, `lp: #555`. The
  prefix before its first `-` decides: closes/fixes/resolves or none → closes; partial → partial;
  related/impacts/affects → related; any other prefix → related (link only).
- Forge closing keywords (pull and merge requests, pushed commits): `close(s|d)`, `fix(es|ed)`,
  `resolve(s|d)` and (GitLab) `implement(s|ed)` followed by `#N` or `owner/repo#N`: closes story N.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_ID = 2**31 - 1

_NUMBER_LIST = r"#?\s*\d+(?:\s*(?:,|;|&|\band\b)\s*#?\s*\d+)*"
# Task/Story references: keyword, optional colon or '#', numbers.
_SB = re.compile(rf"(?P<lead>^[ \t>*\-]*)?\b(?P<kind>tasks?|stor(?:y|ies))\b(?P<sep>[ \t]*:?[ \t]*)"
                 rf"(?P<nums>{_NUMBER_LIST})", re.IGNORECASE | re.MULTILINE)
# Launchpad (jeepyb): at the start of a line, optional prefix word, bug/lp (repeatable), number(s).
_LP = re.compile(r"^[ \t]*(?P<prefix>[-\w]+)?[ \t:]*(?:\b(?:bug|lp)\b[ \t#:]*)+"
                 r"(?P<nums>\d+(?:[ \t]*,[ \t]*#?[ \t]*\d+)*)[ \t]*\.?[ \t]*$", re.IGNORECASE | re.MULTILINE)
_FORGE = re.compile(r"\b(?P<word>close[sd]?|fix(?:e[sd])?|resolve[sd]?|implement(?:s|ed)?)\b:?[ \t]+"
                    r"(?:[\w.-]+/[\w./-]+)?#(?P<num>\d+)\b", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")

CLOSES = ("closes", "fixes", "resolves")
PARTIAL = ("partial",)


@dataclass
class References:
    """What a message refers to. `stories` maps a story id to its relation: story (Story: N),
    closes, partial or related; the strongest wins when a story is named several times."""

    tasks: list[int] = field(default_factory=list)
    stories: dict[int, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.tasks or self.stories)

    def add_story(self, story_id: int, relation: str) -> None:
        if not 0 < story_id <= MAX_ID:
            return
        rank = {"related": 0, "partial": 1, "story": 2, "closes": 3}
        if rank[relation] > rank.get(self.stories.get(story_id, ""), -1):
            self.stories[story_id] = relation

    def add_task(self, task_id: int) -> None:
        if 0 < task_id <= MAX_ID and task_id not in self.tasks:
            self.tasks.append(task_id)

    def merge(self, other: References) -> None:
        for t in other.tasks:
            self.add_task(t)
        for s, relation in other.stories.items():
            self.add_story(s, relation)


def _numbers(text: str) -> list[int]:
    return [int(n) for n in _DIGITS.findall(text) if len(n) <= 10]


def _lp_relation(prefix: str | None) -> str:
    if not prefix:
        return "closes"
    head = prefix.lower().split("-")[0]
    if head in ("closes", "close", "fixes", "fix", "resolves", "resolve"):
        return "closes"
    if head in PARTIAL:
        return "partial"
    return "related"


def parse(message: str | None, *, forge: bool = False) -> References:
    """The references of a commit message (or a pull/merge request's title and description)."""
    refs = References()
    if not message:
        return refs
    for m in _SB.finditer(message):
        at_line_start = m.group("lead") is not None
        explicit = ":" in m.group("sep") or m.group("nums").lstrip().startswith("#")
        if not (at_line_start or explicit):
            continue
        for n in _numbers(m.group("nums")):
            if m.group("kind").lower().startswith("task"):
                refs.add_task(n)
            else:
                refs.add_story(n, "story")
    for m in _LP.finditer(message):
        prefix = m.group("prefix")
        if prefix and prefix.lower() in ("bug", "lp"):
            prefix = None
        for n in _numbers(m.group("nums")):
            refs.add_story(n, _lp_relation(prefix))
    if forge:
        for m in _FORGE.finditer(message):
            refs.add_story(int(m.group("num")) if len(m.group("num")) <= 10 else 0, "closes")
    return refs


__all__ = ["References", "parse"]
