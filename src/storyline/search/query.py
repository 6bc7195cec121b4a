"""The story query language (docs/search.md): a parser that points at its errors and a compiler to a
SQLAlchemy condition on `stories`, always under the one visibility rule (authz.story_visible_listed).

The grammar is the web client's too (web/src/lib/query.ts); both are checked against the same table of
cases (tests/search_query_cases.json), compared through `canonical()`.

    query    = [ or ] ;
    or       = and { "OR" and } ;
    and      = unary { [ "AND" ] unary } ;
    unary    = ( "NOT" | "-" ) unary | primary ;
    primary  = "(" or ")" | term ;
    term     = qualifier | jump | word | phrase ;
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    exists,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from storyline.authz import Viewer, story_visible_listed
from storyline.errors import BadRequest
from storyline.projects.models import Branch, Milestone, Project, ProjectGroup, ProjectGroupMember
from storyline.search.index import story_ids_matching
from storyline.search.index import words as text_words
from storyline.stories.models import Story, StoryTag, Tag, Task
from storyline.subscriptions.models import Subscription
from storyline.users.models import User

MAX_LENGTH = 1000
MAX_DEPTH = 10
MAX_TERMS = 50

QUALIFIERS = ("is", "status", "project", "group", "tag", "assignee", "creator", "subscriber", "branch",
              "milestone", "private", "security", "updated", "created", "sort")
IS_VALUES = {"open": ("active",), "active": ("active",), "closed": ("merged", "invalid"), "merged": ("merged",),
             "invalid": ("invalid",)}
STATUS_VALUES = ("active", "merged", "invalid")
YES_NO = ("yes", "no")
SORT_FIELDS = {"updated": "desc", "created": "desc", "id": "asc", "title": "asc", "status": "asc"}
# Qualifiers whose unquoted value may list several, any of which matches (`tag:ui,docs`).
_SINGLE = ("sort", "updated", "created", "private", "security")
_QUALIFIER = re.compile(r"[A-Za-z]+:")
_DATE = r"\d{4}-\d{2}-\d{2}"
_COMPARE = re.compile(rf"(>=|<=|>|<)?({_DATE})")
_RANGE = re.compile(rf"({_DATE})\.\.({_DATE})")

E_TERM = "a term"
E_CLOSE = ")"
E_OPEN = "a ( before this )"
E_QUOTE = 'a closing "'
E_QUALIFIER = "a known qualifier"
E_VALUE = "a value"
E_DATE = "a date like 2026-01-31, after >, <, >= or <=, or a range 2026-01-01..2026-01-31"
E_SORT = "updated, created, id, title or status, with -asc or -desc"
E_STORY = "a story number after #"
E_TOP = "sort: at the top level (not inside parentheses, OR or NOT)"
E_ONE_SORT = "a single sort:"
E_LENGTH = f"at most {MAX_LENGTH} characters"
E_DEPTH = f"at most {MAX_DEPTH} levels of nesting"
E_TERMS = f"at most {MAX_TERMS} terms"
_ENUMS = {"is": (tuple(IS_VALUES), "open, closed, active, merged or invalid"),
          "status": (STATUS_VALUES, "active, merged or invalid"),
          "private": (YES_NO, "yes or no"), "security": (YES_NO, "yes or no")}


class QueryError(BadRequest):
    """A query that cannot be run: 400 with the field, the character offset and what was expected there."""

    code = "invalid_query"

    def __init__(self, position: int, end: int, expected: str, message: str | None = None,
                 field: str = "q") -> None:
        self.position, self.end, self.expected = position, max(end, position), expected
        super().__init__(message or f"Expected {expected} at character {position}", field=field)

    def with_field(self, field: str) -> QueryError:
        return QueryError(self.position, self.end, self.expected, self.message, field)

    def body(self) -> dict[str, Any]:
        return dict(super().body(), field=self.field or "q", position=self.position, end=self.end,
                    expected=self.expected)


@dataclass
class Term:
    """A leaf: kind is a qualifier's name, or "text", "phrase", "id" (#123), "task" (T123)."""

    kind: str
    values: list[str]
    start: int
    end: int
    positions: list[int] = field(default_factory=list)  # where each value starts in the query


@dataclass
class Node:
    op: str  # "and", "or", "not"
    children: list[Any]


Expr = Term | Node


@dataclass
class Parsed:
    tree: Expr | None
    sort: tuple[str, str] | None  # (field, "asc" | "desc")
    source: str = ""

    def canonical(self) -> dict[str, Any]:
        return {"tree": None if self.tree is None else canonical(self.tree),
                "sort": None if self.sort is None else f"{self.sort[0]}-{self.sort[1]}"}


def canonical(e: Expr) -> str:
    """The tree as an s-expression, the same text the web client's parser gives (the shared table)."""
    if isinstance(e, Term):
        if e.kind in ("id", "task"):
            return f"({e.kind} {e.values[0]})"
        return "(" + " ".join([e.kind, *(json.dumps(v, ensure_ascii=False) for v in e.values)]) + ")"
    return "(" + " ".join([e.op, *(canonical(c) for c in e.children)]) + ")"


@dataclass
class _Tok:
    kind: str  # "(", ")", "-", "word", "phrase", "qual"
    start: int
    end: int
    text: str = ""
    key: str = ""
    vstart: int = 0
    quoted: bool = False


def _lex(q: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
        elif c in "()-":
            toks.append(_Tok(c, i, i + 1))
            i += 1
        elif c == '"':
            j = q.find('"', i + 1)
            if j < 0:
                raise QueryError(i, n, E_QUOTE, "A quote is not closed")
            toks.append(_Tok("phrase", i, j + 1, q[i + 1:j]))
            i = j + 1
        else:
            j = i
            while j < n and not q[j].isspace() and q[j] not in '()"':
                j += 1
            raw = q[i:j]
            m = _QUALIFIER.match(raw)
            if m is None:
                toks.append(_Tok("word", i, j, raw))
                i = j
                continue
            key, vstart = m.group(0)[:-1].lower(), i + len(m.group(0))
            if j == vstart and j < n and q[j] == '"':
                k = q.find('"', j + 1)
                if k < 0:
                    raise QueryError(j, n, E_QUOTE, "A quote is not closed")
                toks.append(_Tok("qual", i, k + 1, q[j + 1:k], key, j + 1, True))
                i = k + 1
            else:
                toks.append(_Tok("qual", i, j, raw[len(m.group(0)):], key, vstart))
                i = j
    return toks


def _valid_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
        return True
    except ValueError:
        return False


def _term(tok: _Tok) -> Term:
    """A qualifier's token as a term, its value checked (syntax only: names are looked up later)."""
    key, value = tok.key, tok.text
    if key not in QUALIFIERS:
        raise QueryError(tok.start, tok.end, E_QUALIFIER, f"Unknown qualifier {key}: (quote it to search the text)")
    if value == "":
        raise QueryError(tok.start, tok.end, f"a value after {key}:")
    if key in ("updated", "created"):
        m = _COMPARE.fullmatch(value)
        r = _RANGE.fullmatch(value)
        if m and _valid_date(m.group(2)):
            return Term(key, [m.group(1) or "=", m.group(2)], tok.start, tok.end, [tok.vstart])
        if r and _valid_date(r.group(1)) and _valid_date(r.group(2)):
            return Term(key, ["..", r.group(1), r.group(2)], tok.start, tok.end, [tok.vstart])
        raise QueryError(tok.vstart, tok.end, E_DATE)
    if key == "sort":
        name, _, direction = value.partition("-")
        if name not in SORT_FIELDS or direction not in ("", "asc", "desc"):
            raise QueryError(tok.vstart, tok.end, E_SORT)
        return Term(key, [f"{name}-{direction or SORT_FIELDS[name]}"], tok.start, tok.end, [tok.vstart])
    if tok.quoted or key in _SINGLE:
        parts, positions = [value], [tok.vstart]
    else:
        parts, positions, at = [], [], tok.vstart
        for part in value.split(","):
            if part == "":
                raise QueryError(at, at, E_VALUE)
            parts.append(part)
            positions.append(at)
            at += len(part) + 1
    if key in _ENUMS:
        allowed, expected = _ENUMS[key]
        for part, at in zip(parts, positions, strict=True):
            if part.lower() not in allowed:
                raise QueryError(at, at + len(part), expected, f"{key}: takes {expected}, not \"{part}\"")
        parts = [p.lower() for p in parts]
    return Term(key, parts, tok.start, tok.end, positions)


class _Parser:
    def __init__(self, q: str) -> None:
        self.q = q
        self.toks = _lex(q)
        self.i = 0
        self.terms = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def here(self) -> int:
        tok = self.peek()
        return len(self.q) if tok is None else tok.start

    def is_word(self, text: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.text == text

    def expr(self, depth: int) -> Expr:
        items = [self.conj(depth)]
        while self.is_word("OR"):
            self.i += 1
            items.append(self.conj(depth))
        return items[0] if len(items) == 1 else Node("or", items)

    def conj(self, depth: int) -> Expr:
        items = [self.unary(depth)]
        while True:
            tok = self.peek()
            if tok is None or tok.kind == ")" or self.is_word("OR"):
                break
            if self.is_word("AND"):
                self.i += 1
            items.append(self.unary(depth))
        return items[0] if len(items) == 1 else Node("and", items)

    def unary(self, depth: int) -> Expr:
        tok = self.peek()
        if tok is not None and (tok.kind == "-" or (tok.kind == "word" and tok.text == "NOT")):
            if depth >= MAX_DEPTH:
                raise QueryError(tok.start, tok.end, E_DEPTH)
            self.i += 1
            return Node("not", [self.unary(depth + 1)])
        return self.primary(depth)

    def primary(self, depth: int) -> Expr:
        tok = self.peek()
        if tok is None or tok.kind == ")" or (tok.kind == "word" and tok.text in ("AND", "OR")):
            raise QueryError(self.here(), self.here() if tok is None else tok.end, E_TERM)
        if tok.kind == "(":
            if depth >= MAX_DEPTH:
                raise QueryError(tok.start, tok.end, E_DEPTH)
            self.i += 1
            inner = self.expr(depth + 1)
            close = self.peek()
            if close is None or close.kind != ")":
                raise QueryError(tok.start, tok.end, E_CLOSE, "A parenthesis is not closed")
            self.i += 1
            return inner
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(tok.start, tok.end, E_TERMS)
        self.i += 1
        if tok.kind == "phrase":
            return Term("phrase", [tok.text], tok.start, tok.end, [tok.start + 1])
        if tok.kind == "qual":
            return _term(tok)
        if tok.text.startswith("#"):
            if not tok.text[1:].isdigit() or not tok.text[1:].isascii():
                raise QueryError(tok.start, tok.end, E_STORY)
            return Term("id", [str(int(tok.text[1:]))], tok.start, tok.end, [tok.start + 1])
        if re.fullmatch(r"T[0-9]+", tok.text):
            return Term("task", [str(int(tok.text[1:]))], tok.start, tok.end, [tok.start + 1])
        return Term("text", [tok.text], tok.start, tok.end, [tok.start])


def _take_sort(tree: Expr | None) -> tuple[Expr | None, tuple[str, str] | None]:
    """sort: terms of the top-level AND chain become the order; one anywhere else is refused."""
    if tree is None:
        return None, None
    top = tree.children if isinstance(tree, Node) and tree.op == "and" else [tree]
    sort: tuple[str, str] | None = None
    kept = []
    for item in top:
        if isinstance(item, Term) and item.kind == "sort":
            name, _, direction = item.values[0].partition("-")
            if sort is not None and sort != (name, direction):
                raise QueryError(item.start, item.end, E_ONE_SORT, "sort: is given twice")
            sort = (name, direction)
        else:
            kept.append(item)

    def check(e: Expr) -> None:
        if isinstance(e, Term):
            if e.kind == "sort":
                raise QueryError(e.start, e.end, E_TOP)
        else:
            for c in e.children:
                check(c)

    for item in kept:
        check(item)
    if not kept:
        return None, sort
    return (tree if len(kept) == len(top) else kept[0] if len(kept) == 1 else Node("and", kept)), sort


def parse(q: str) -> Parsed:
    """The query's tree and order; QueryError (with the character offset) when it has a mistake."""
    if len(q) > MAX_LENGTH:
        raise QueryError(MAX_LENGTH, len(q), E_LENGTH, f"A query has at most {MAX_LENGTH} characters")
    p = _Parser(q)
    tree = None
    if p.peek() is not None:
        tree = p.expr(0)
        tok = p.peek()
        if tok is not None:  # only a stray ")" stops the top level before the end
            raise QueryError(tok.start, tok.end, E_OPEN, "A parenthesis closes nothing")
    tree, sort = _take_sort(tree)
    return Parsed(tree, sort, q)


# ---- compiling to SQL ----------------------------------------------------------------------------------

SORT_COLUMNS = {"updated": Story.updated_at, "created": Story.created_at, "id": Story.id, "title": Story.title,
                "status": Story.status}
DEFAULT_SORT = ("updated", "desc")
LARGE_TERM = 2000  # stories, at least: a term matching more is tested per story (Compiler.story_in)


def _day(text: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())


class Compiler:
    """Turns a parsed query into a condition on Story for a viewer. `strict`: a name that matches nothing is
    an error (the search box); otherwise it matches nothing (a worklist's saved query, read later)."""

    def __init__(self, session: Session, viewer: Viewer, *, strict: bool = True, field: str = "q") -> None:
        self.session = session
        self.viewer = viewer
        self.strict = strict
        self.field = field
        self.sqlite = session.get_bind().dialect.name == "sqlite"
        self.large: int | None = None  # matches of a term beyond which SQLite tests each story (story_in)

    def story_in(self, ids: Any) -> ColumnElement[bool]:
        """`stories.id IN (ids of a term)`. SQLite's planner takes a term's ids and looks each story up by
        primary key, whatever their number: for a large term (a common word, half the stories) ten times
        what scanning a narrow index (status, private) and testing each id against the term's ids costs.
        So the term's size is probed first (up to one story in 20, at least LARGE_TERM) and a large one is written
        `+stories.id IN (...)`, which keeps the lookups out of the plan; PostgreSQL plans this itself."""
        if self.sqlite:
            conn = self.session.connection()
            if self.large is None:  # one story in 20, at least LARGE_TERM
                self.large = max(LARGE_TERM, (conn.execute(select(func.max(Story.id))).scalar() or 0) // 20)
            probe = select(func.count()).select_from(ids.limit(self.large).subquery())
            if conn.execute(probe).scalar_one() >= self.large:
                return literal_column("+stories.id", Integer).in_(ids)
        return Story.id.in_(ids)

    def fail(self, position: int, end: int, expected: str, message: str) -> QueryError:
        return QueryError(position, end, expected, message, self.field)

    def condition(self, e: Expr | None) -> ColumnElement[bool]:
        """The query's condition on Story (not including the visibility rule: see `select_ids`)."""
        if e is None:
            return true()
        if isinstance(e, Node):
            children = e.children
            parts = []
            if e.op == "and":  # the words of one AND are one full-text match (the index intersects them)
                words = [c for c in children if isinstance(c, Term) and c.kind in ("text", "phrase")]
                if len(words) > 1:
                    parts.append(self.text(*words))
                    children = [c for c in children if not any(c is w for w in words)]
            parts += [self.condition(c) for c in children]
            if e.op == "not":
                return not_(parts[0])
            return and_(*parts) if e.op == "and" else or_(*parts)
        return self.term(e)

    def select_ids(self, parsed: Parsed) -> Any:
        """SELECT stories.id of the visible stories matching the query (the rule with the viewer's list
        read first: a query may count most stories; authz.story_visible_listed)."""
        visible = story_visible_listed(self.session, self.viewer)
        return select(Story.id).where(visible, self.condition(parsed.tree))

    def term(self, t: Term) -> ColumnElement[bool]:
        k, values = t.kind, t.values
        if k in ("text", "phrase"):
            return self.text(t)
        if k == "id":
            return Story.id == int(values[0]) if int(values[0]) < 2**31 else false()
        if k == "task":
            n = int(values[0])
            return Story.id.in_(select(Task.story_id).where(Task.id == n)) if n < 2**31 else false()
        if k == "is":
            return Story.status.in_(sorted({s for v in values for s in IS_VALUES[v]}))
        if k == "status":
            return Story.status.in_(values)
        if k in ("private", "security"):
            return (Story.private if k == "private" else Story.security).is_(values[0] == "yes")
        if k in ("updated", "created"):
            return self.dates(Story.updated_at if k == "updated" else Story.created_at, values)
        if k == "tag":
            return self.story_in(select(StoryTag.story_id).join(Tag, Tag.id == StoryTag.tag_id)
                                .where(Tag.name.in_(values)))
        if k == "project":
            ids = self.ids(t, Project, Project.name, "project")
            return self.story_in(select(Task.story_id).where(Task.project_id.in_(ids)))
        if k == "group":
            ids = self.ids(t, ProjectGroup, ProjectGroup.name, "project group")
            return self.story_in(select(Task.story_id).where(Task.project_id.in_(
                select(ProjectGroupMember.project_id).where(ProjectGroupMember.project_group_id.in_(ids)))))
        if k == "branch":
            return self.story_in(select(Task.story_id).where(Task.branch_id.in_(self.named(Branch, values))))
        if k == "milestone":
            return self.story_in(select(Task.story_id).where(Task.milestone_id.in_(self.named(Milestone, values))))
        users = self.users(t)
        if k == "assignee":
            return self.story_in(select(Task.story_id).where(Task.assignee_id.in_(users)))
        if k == "creator":
            return Story.creator_id.in_(users)
        if k == "subscriber":
            others = [u for u in users if u != self.viewer.user_id]
            if others and not self.viewer.is_superuser:
                raise self.fail(t.positions[0], t.end, "@me",
                                "subscriber: tells only what you follow yourself (@me)")
            return exists().where(Subscription.target_type == "story", Subscription.target_id == Story.id,
                                  Subscription.user_id.in_(users))
        raise AssertionError(k)  # pragma: no cover - the parser knows no other kind

    def text(self, *terms: Term) -> ColumnElement[bool]:
        """Stories whose document has every word (each a prefix) and phrase of the terms."""
        pieces = []
        for t in terms:
            found = text_words(t.values[0])
            if not found:
                continue  # nothing searchable (punctuation): no condition
            if t.kind == "phrase":
                pieces.append(('"' + " ".join(found) + '"') if self.sqlite
                              else "(" + " <-> ".join(w.replace("'", "") for w in found) + ")")
            else:
                pieces.extend(f'"{w}"*' if self.sqlite else w.replace("'", "") + ":*" for w in found)
        if not pieces:
            return true()
        # SQLite: each word or phrase on its own (a story's document is in parts: search/index.py)
        return self.text_match(pieces if self.sqlite else [" & ".join(pieces)])

    def text_match(self, expressions: list[str]) -> ColumnElement[bool]:
        """Stories whose document matches every one of the full-text expressions."""
        return self.story_in(story_ids_matching(self.sqlite, expressions))

    @staticmethod
    def dates(col: Any, values: list[str]) -> ColumnElement[bool]:
        op = values[0]
        if op == "..":
            return and_(col >= _day(values[1]), col < _day(values[2]) + dt.timedelta(days=1))
        day = _day(values[1])
        after = day + dt.timedelta(days=1)
        conditions: dict[str, ColumnElement[bool]] = {
            ">": col >= after, ">=": col >= day, "<": col < day, "<=": col < after, "=": and_(col >= day, col < after)}
        return conditions[op]

    def ids(self, t: Term, model: Any, name_col: Any, what: str) -> list[int]:
        out: list[int] = []
        for value, at in zip(t.values, t.positions, strict=True):
            if value.isdigit() and value.isascii():
                out.append(int(value) if int(value) < 2**31 else 0)
                continue
            found = list(self.session.execute(select(model.id).where(func.lower(name_col) == value.lower()))
                         .scalars())
            if not found and self.strict:
                raise self.fail(at, at + len(value), f"a {what} name or id", f'No {what} is named "{value}"')
            out.extend(found)
        return out

    @staticmethod
    def named(model: Any, values: list[str]) -> Any:
        """Ids of the branches / milestones of those names (in any project) or ids."""
        ids = [int(v) for v in values if v.isdigit() and v.isascii() and int(v) < 2**31]
        names = [v.lower() for v in values if not (v.isdigit() and v.isascii())]
        return select(model.id).where(or_(model.id.in_(ids), func.lower(model.name).in_(names)))

    def users(self, t: Term) -> list[int]:
        out: list[int] = []
        for value, at in zip(t.values, t.positions, strict=True):
            end = at + len(value)
            if value.lower() in ("@me", "me"):
                if self.viewer.user_id is None:
                    raise self.fail(at, end, "a name or an id (log in to use @me)", f"{t.kind}:@me needs you to log in")
                out.append(self.viewer.user_id)
            elif value.isdigit() and value.isascii():
                out.append(int(value) if int(value) < 2**31 else 0)
            else:
                name = value.removeprefix("@")
                found = list(self.session.execute(select(User.id).where(func.lower(User.full_name) == name.lower())
                                                  .order_by(User.id).limit(6)).scalars())
                if len(found) > 1 and self.strict:
                    raise self.fail(at, end, "an id", f'Several people are named "{name}": use an id '
                                    f"({', '.join(map(str, found[:5]))})")
                if not found and self.strict:
                    raise self.fail(at, end, "a person's full name or id", f'Nobody is named "{name}"')
                out.extend(found)
        return out


def parse_for(q: str, field: str) -> Parsed:
    """parse(), the error naming `field` (a saved view's `query`, a worklist criterion's value)."""
    try:
        return parse(q)
    except QueryError as e:
        raise e.with_field(field) from None


def story_condition(session: Session, viewer: Viewer, q: str, *, strict: bool = False) -> ColumnElement[bool]:
    """The condition on Story for a saved query (automatic worklists): names that match nothing match
    nothing; a query that no longer parses matches nothing. Not including the visibility rule."""
    try:
        parsed = parse(q)
        return Compiler(session, viewer, strict=strict).condition(parsed.tree)
    except QueryError:
        if strict:
            raise
        return false()
