"""Which of a few given stories match a query (live updates: "does story S, just changed, now belong to
this list?"), without reading every match of the query.

The search page's compiler (query.Compiler) writes each term as `stories.id IN (the term's story ids)`,
which suits reading a page of matches out of many stories. Here the stories are a handful (those an event
batch changed), so each term is written per story instead: `EXISTS (the term's story ids AND that id is
this story)`: a full-text term is one lookup of the story's document (FTS5's rowids of the story's
parts, the search table's key: search.index.story_matches), a project or tag term one index lookup, whatever the number of stories matching the term elsewhere.

The visibility rule is not part of the condition (`story_ids_matching` takes it from the caller's side:
the live hub checks each event against the reader's visibility at send time, as for every notice).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, bindparam, exists, false, literal_column, select, union_all
from sqlalchemy.orm import Session

from storyline.authz import Viewer
from storyline.search.index import story_matches
from storyline.search.query import Compiler, Node, Parsed, QueryError, Term
from storyline.stories.models import Story

_PERSONAL = ("assignee", "creator", "subscriber")


class OneStoryCompiler(Compiler):
    """A Compiler whose terms test the story at hand (a correlated EXISTS) rather than list every match.
    Names that match nothing match nothing (a list's query read later: not an error)."""

    def __init__(self, session: Session, viewer: Viewer) -> None:
        super().__init__(session, viewer, strict=False)

    def story_in(self, ids: Any) -> ColumnElement[bool]:
        return exists(ids.where(ids.selected_columns[0] == Story.id))

    def text_match(self, expressions: list[str]) -> ColumnElement[bool]:
        return story_matches(self.sqlite, expressions, Story.id)


def personal(parsed: Parsed) -> bool:
    """Whether the query's meaning depends on who reads it (`@me`, `subscriber:`): compile it per reader.
    Otherwise one condition serves every reader (the visibility rule is applied apart)."""

    def walk(e: Term | Node | None) -> bool:
        if e is None:
            return False
        if isinstance(e, Node):
            return any(walk(c) for c in e.children)
        return e.kind == "subscriber" or (e.kind in _PERSONAL and any(v.lower() in ("@me", "me") for v in e.values))

    return walk(parsed.tree)


def story_condition_per_story(session: Session, viewer: Viewer, parsed: Parsed) -> ColumnElement[bool]:
    """The query's condition on Story written per story (see the module's text); a query this reader may
    not run (someone else's subscriptions) matches nothing. Not including the visibility rule."""
    try:
        return OneStoryCompiler(session, viewer).condition(parsed.tree)
    except QueryError:
        return false()


_IDS: Any = bindparam("story_ids", expanding=True)


def story_ids_matching(session: Session, condition: ColumnElement[bool], story_ids: Iterable[int]) -> set[int]:
    """Those of `story_ids` that meet `condition` (from story_condition_per_story): one statement."""
    ids = sorted(set(story_ids))
    if not ids:
        return set()
    stmt = select(Story.id).where(Story.id.in_(_IDS), condition)
    return set(session.execute(stmt, {"story_ids": ids}).scalars())


def matching_statement(conditions: list[tuple[int, ColumnElement[bool]]]) -> Any:
    """One statement testing numbered conditions on the stories `story_ids` (an expanding parameter): a
    UNION ALL of `SELECT <number>, stories.id WHERE stories.id IN (...) AND <condition>`. Made once for a
    set of conditions (building and compiling it costs more than running it), run batch after batch."""
    parts: list[Any] = []
    for number, condition in conditions:
        parts.append(select(literal_column(str(int(number))).label("n"), Story.id).where(Story.id.in_(_IDS), condition))
    return parts[0] if len(parts) == 1 else union_all(*parts)


def run_matching(session: Session, statements: Iterable[Any], story_ids: Iterable[int]) -> dict[int, set[int]]:
    """Run statements of matching_statement over `story_ids`: for each condition's number, its stories."""
    ids = sorted(set(story_ids))
    found: dict[int, set[int]] = {}
    if not ids:
        return found
    for stmt in statements:
        for n, sid in session.execute(stmt, {"story_ids": ids}):
            found.setdefault(int(n), set()).add(sid)
    return found


def story_ids_matching_each(session: Session, conditions: list[ColumnElement[bool]],
                            story_ids: Iterable[int]) -> list[set[int]]:
    """For each condition, those of `story_ids` that meet it (one statement)."""
    if not conditions:
        return []
    found = run_matching(session, [matching_statement(list(enumerate(conditions)))], story_ids)
    return [found.get(i, set()) for i in range(len(conditions))]


__all__ = ["OneStoryCompiler", "matching_statement", "personal", "run_matching", "story_condition_per_story",
           "story_ids_matching", "story_ids_matching_each"]
