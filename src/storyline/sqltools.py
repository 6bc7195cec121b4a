"""SQL and time helpers shared by every layer: v1 timestamps, ISO-8601 parsing, LIKE matching and
statements built once per shape. A bottom module: it imports nothing of Storyline but errors, so the
domain packages use it without importing the HTTP layer (`storyline.api`)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import BindParameter, Select, String, Table, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.functions import FunctionElement

from storyline.errors import ValidationFailed


def ts(value: dt.datetime | None) -> str | None:
    """UTC timestamp as v1 shows it: whole seconds with an explicit +00:00 offset."""
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat() + "+00:00"


class v1_ts(FunctionElement[str]):  # noqa: N801 (an SQL function, named like one)
    """ts() computed by the database: `v1_ts(column)` selects the timestamp already formatted.

    For lists of many rows this skips parsing each stored value into a datetime and formatting it
    again in Python. Same text as ts(): whole seconds (truncated), explicit +00:00.
    """

    type = String()
    name = "v1_ts"
    inherit_cache = True


@compiles(v1_ts, "sqlite")
def _v1_ts_sqlite(element: v1_ts, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m-%dT%H:%M:%S+00:00', {compiler.process(element.clauses, **kw)})"


@compiles(v1_ts, "postgresql")
def _v1_ts_postgresql(element: v1_ts, compiler: Any, **kw: Any) -> str:
    return f"""to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')"""


def parse_datetime(field: str, value: str | None) -> dt.datetime | None:
    """Any ISO-8601 form in, naive UTC out."""
    if value is None or value == "":
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError as exc:
        raise ValidationFailed(field, f"'{value}' is not an ISO-8601 date and time") from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def like_pattern(value: str) -> str:
    """The LIKE pattern of like(): `value` lowercased, with % _ and \\ taken literally, anywhere."""
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def like(column: Any, value: str | BindParameter[str]) -> Any:
    """Case-insensitive substring match with % and _ taken literally, on every backend.

    `value` is the text sought, or a bound parameter whose value will be like_pattern(text)."""
    pattern = value if isinstance(value, BindParameter) else like_pattern(value)
    return func.lower(column).like(pattern, escape="\\")


@dataclass(frozen=True)
class Prepared:
    """A filtered select built once per shape and run with this request's values.

    Building a filtered statement (and SQLAlchemy's cache key of it) costs more than running it on a
    short list, so a list endpoint describes its request as a shape, `key` (which filters are present,
    the kind of viewer, ...), a way to `build` the statement for that shape with named bound
    parameters, and the `values` of those parameters. Statements are kept per key (statement()), so
    the same key must always build the same statement. `key` None: build every time.
    """

    key: Hashable | None
    build: Callable[[], Select[Any]]
    values: dict[str, Any]

    def narrowed(self, tag: Hashable, change: Callable[[Select[Any]], Select[*tuple[Any, ...]]],
                 values: dict[str, Any] | None = None) -> Prepared:
        """The same list changed by `change` (a shape of its own: `tag` names the change)."""
        build = self.build
        return Prepared(None if self.key is None else (self.key, tag), lambda: change(build()),
                        {**self.values, **(values or {})})

    def statement(self) -> Select[Any]:
        stmt: Select[Any] = statement(self.key, self.build)
        return stmt


_STATEMENTS: OrderedDict[Hashable, Any] = OrderedDict()
_STATEMENTS_LOCK = threading.Lock()
STATEMENTS_KEPT = 1024  # shapes kept, least recently used dropped first


def statement(key: Hashable | None, build: Callable[[], Any]) -> Any:
    """The statement built by `build` for `key`, built once and kept (a bounded LRU); None: not kept."""
    if key is None:
        return build()
    with _STATEMENTS_LOCK:
        stmt = _STATEMENTS.get(key)
        if stmt is not None:
            _STATEMENTS.move_to_end(key)
            return stmt
    stmt = build()
    with _STATEMENTS_LOCK:
        _STATEMENTS[key] = stmt
        if len(_STATEMENTS) > STATEMENTS_KEPT:
            _STATEMENTS.popitem(last=False)
    return stmt


def table_of(entity: type[DeclarativeBase]) -> Table:
    """The Table a declarative class is mapped to, as insert() takes it (`__table__` is typed as any
    FromClause, since a class may be mapped to a join or a select; Storyline's are all tables)."""
    return cast(Table, entity.__table__)
