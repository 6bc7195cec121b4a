"""Shared v1 plumbing: JSON responses, paging and sorting, timestamps, body parsing."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import orjson
from fastapi import Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import Select, String, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from storyline.errors import BadRequest, ValidationFailed
from storyline.schemas import MAX_ID

IdPath = Annotated[int, Path(ge=-MAX_ID - 1, le=MAX_ID)]


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
    return "strftime('%%Y-%%m-%%dT%%H:%%M:%%S+00:00', %s)" % compiler.process(element.clauses, **kw)


@compiles(v1_ts, "postgresql")
def _v1_ts_postgresql(element: v1_ts, compiler: Any, **kw: Any) -> str:
    return """to_char(%s, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')""" % compiler.process(element.clauses, **kw)


def dumps(data: Any) -> bytes:
    """orjson, with non-ASCII escaped so byte length equals character length (Gerrit plugin)."""
    raw = orjson.dumps(data)
    if raw.isascii():
        return raw
    return json.dumps(orjson.loads(raw), ensure_ascii=True, separators=(",", ":")).encode()


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def json_response(data: Any, headers: dict[str, str] | None = None) -> JSON:
    return JSON(data, headers=headers)


def no_content() -> Response:
    return Response(status_code=204)


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


def like(column: Any, value: str) -> Any:
    """Case-insensitive substring match with % and _ taken literally, on every backend."""
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


@dataclass
class Paging:
    limit: int | None
    offset: int | None
    marker: int | None
    sort_field: str
    sort_dir: str


async def paging(
    limit: int | None = Query(None, description="Maximum rows; omitted = every row"),
    offset: int | None = Query(None, description="Rows to skip; when given, marker is ignored"),
    marker: int | None = Query(None, description="Id of the record the page starts after"),
    sort_field: str = Query("id", description="Column to sort on"),
    sort_dir: str = Query("asc", description="asc or desc"),
) -> Paging:
    return Paging(limit, offset, marker, sort_field, sort_dir)


@dataclass
class Page:
    rows: list[Any]
    headers: dict[str, str]


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    id_column: Any,
    sort_columns: dict[str, Any],
    params: Paging,
    cap: int = 0,
    count: bool = True,
    fetch: Literal["entities", "rows", "tuples"] = "entities",
) -> Page:
    """Apply sort, keyset marker or offset, and limit to `stmt` (already filtered and visible).

    Ties are broken on id so keyset pages never skip or repeat rows. NULLs sort first ascending and
    last descending on every backend. `fetch` says what the page holds: "entities", the first column
    of each row (an ORM entity); "rows", SQLAlchemy rows of a select of columns (no ORM objects);
    "tuples", the driver's own tuples, for columns that need no conversion (integers, text, v1_ts),
    without building SQLAlchemy rows at all (a third of the cost on long lists).
    """
    sort_col = sort_columns.get(params.sort_field)
    if sort_col is None:
        raise BadRequest(f"Invalid sort_field [{params.sort_field}]", field="sort_field")
    if params.sort_dir not in ("asc", "desc"):
        raise BadRequest(f"Invalid sort_dir [{params.sort_dir}]", field="sort_dir")
    asc = params.sort_dir == "asc"
    headers: dict[str, str] = {}

    if count:
        total = session.execute(
            select(func.count()).select_from(stmt.order_by(None).subquery())
        ).scalar_one()
        headers["X-Total"] = str(total)

    if sort_col is id_column:
        order = [id_column.asc() if asc else id_column.desc()]
    elif asc:
        order = [sort_col.asc().nulls_first(), id_column.asc()]
    else:
        order = [sort_col.desc().nulls_last(), id_column.desc()]
    query = stmt.order_by(*order)

    if params.offset is not None:
        offset = max(params.offset, 0)
        headers["X-Offset"] = str(offset)
        if offset:
            query = query.offset(offset)
    elif params.marker is not None:
        marker_row = session.execute(
            stmt.order_by(None).with_only_columns(sort_col, id_column).where(id_column == params.marker)
        ).first()
        if marker_row is not None:
            headers["X-Marker"] = str(params.marker)
            query = query.where(_after(sort_col, id_column, marker_row[0], params.marker, asc))

    limit = params.limit
    if limit is not None and limit < 0:
        limit = 0
    if cap and (limit is None or limit == 0 or limit > cap):
        limit = cap
    if limit:
        headers["X-Limit"] = str(limit)
        query = query.limit(limit)
    elif limit == 0 and params.limit is not None:
        query = query.limit(0)
    if fetch == "entities":
        return Page(list(session.execute(query).scalars()), headers)
    result = session.connection().execute(query)
    if fetch == "rows":
        return Page(result.all(), headers)
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return Page(rows, headers)


def _after(col: Any, id_col: Any, value: Any, marker: int, asc: bool) -> Any:
    if col is id_col:
        return id_col > marker if asc else id_col < marker
    if asc:
        if value is None:
            return or_(and_(col.is_(None), id_col > marker), col.is_not(None))
        return or_(col > value, and_(col == value, id_col > marker))
    if value is None:
        return and_(col.is_(None), id_col < marker)
    return or_(col < value, and_(col == value, id_col < marker), col.is_(None))


def list_param(request: Request, name: str) -> list[str]:
    """Repeated keys (`?status=a&status=b`); the indexed form `status[0]=a` is normalised earlier."""
    return request.query_params.getlist(name)


async def loose_args(request: Request) -> dict[str, Any]:
    """Arguments of endpoints without a typed body: query string, overlaid by a JSON object body."""
    args: dict[str, Any] = {k: v for k, v in request.query_params.items()}
    body = await request.body()
    if body.strip():
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise BadRequest("The request body is not valid JSON") from exc
        if isinstance(data, dict):
            args.update(data)
    return args
