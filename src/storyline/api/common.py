"""Shared v1 plumbing: JSON responses, paging and sorting, timestamps, body parsing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import orjson
from fastapi import Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from storyline.errors import BadRequest
from storyline.schemas import MAX_ID

# The SQL and time helpers live in a bottom module; API modules keep importing them from here.
from storyline.sqltools import Prepared as Prepared
from storyline.sqltools import like as like
from storyline.sqltools import like_pattern as like_pattern
from storyline.sqltools import parse_datetime as parse_datetime
from storyline.sqltools import statement as statement
from storyline.sqltools import ts as ts
from storyline.sqltools import v1_ts as v1_ts

IdPath = Annotated[int, Path(ge=-MAX_ID - 1, le=MAX_ID)]
# The `responses` of a route (OpenAPI): status code -> model or description.
Responses = dict[int | str, dict[str, Any]]


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


# A list answer of more rows than this, asked for without a `limit` (StoryBoard's "every row"), is
# streamed: its rows are read and encoded STREAM_CHUNK at a time, in short transactions of their own,
# so a million-row answer never sits in memory as Python objects, nor holds one transaction open.
STREAM_ROWS = 1000
STREAM_CHUNK = 500


def stream_array(keys: list[Any], resolve: Callable[[list[Any]], list[Any]],
                 headers: dict[str, str] | None = None) -> StreamingResponse:
    """A JSON array of `resolve(chunk)` for each chunk of `keys`, produced while it is sent.

    `resolve` runs in a worker thread (Starlette iterates a plain generator in the threadpool) and
    must open its own session: the request's session is closed once the endpoint returns. Rows that
    `resolve` leaves out (e.g. a story that turned private meanwhile) are simply not in the answer."""

    def body() -> Iterator[bytes]:
        yield b"["
        first = True
        for start in range(0, len(keys), STREAM_CHUNK):
            rows = resolve(keys[start:start + STREAM_CHUNK])
            if not rows:
                continue
            encoded = b",".join(dumps(row) for row in rows)
            yield encoded if first else b"," + encoded
            first = False
        yield b"]"

    return StreamingResponse(body(), media_type="application/json", headers=headers)


def no_content() -> Response:
    return Response(status_code=204)


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
    rows: Sequence[Any]
    headers: dict[str, str]


def paginate(
    session: Session,
    stmt: Select[Any] | Prepared,
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

    A Prepared list's count and page statements are kept per shape too (sort, direction, whether
    there is an offset and a limit); limit and offset are bound parameters. The count query is
    skipped when the page itself tells the total (a page shorter than the limit, not after a marker).
    """
    sort_col = sort_columns.get(params.sort_field)
    if sort_col is None:
        raise BadRequest(f"Invalid sort_field [{params.sort_field}]", field="sort_field")
    if params.sort_dir not in ("asc", "desc"):
        raise BadRequest(f"Invalid sort_dir [{params.sort_dir}]", field="sort_dir")
    q = stmt if isinstance(stmt, Prepared) else Prepared(None, lambda: stmt, {})
    asc = params.sort_dir == "asc"
    headers: dict[str, str] = {}
    values = dict(q.values)

    offset = None if params.offset is None else max(params.offset, 0)
    limit = params.limit
    if limit is not None and limit < 0:
        limit = 0
    if cap and (limit is None or limit == 0 or limit > cap):
        limit = cap
    marker_row = None
    if offset is None and params.marker is not None:
        marker_row = session.connection().execute(
            q.statement().order_by(None).with_only_columns(sort_col, id_column).where(id_column == params.marker),
            values,
        ).first()

    def page_statement() -> Select[Any]:
        if sort_col is id_column:
            order = [id_column.asc() if asc else id_column.desc()]
        elif asc:
            order = [sort_col.asc().nulls_first(), id_column.asc()]
        else:
            order = [sort_col.desc().nulls_last(), id_column.desc()]
        query = q.statement().order_by(*order)
        if offset:
            query = query.offset(bindparam("page_offset"))
        if limit is not None:
            query = query.limit(bindparam("page_limit"))
        return query

    if marker_row is None:
        query = statement(None if q.key is None else
                          (q.key, "page", params.sort_field, asc, bool(offset), limit is not None), page_statement)
    else:  # keyset: the marker's sort value is part of the statement (not kept)
        assert params.marker is not None  # marker_row is only read for a marker
        query = page_statement().where(_after(sort_col, id_column, marker_row[0], params.marker, asc))
    if offset:
        values["page_offset"] = offset
    if limit is not None:
        values["page_limit"] = limit

    if fetch == "entities":
        rows: Sequence[Any] = list(session.execute(query, values).scalars())
    else:
        result = session.connection().execute(query, values)
        if fetch == "rows":
            rows = result.all()
        else:
            try:
                rows = result.cursor.fetchall()
            finally:
                result.close()

    if count:
        if marker_row is None and (rows or not offset) and (limit is None or len(rows) < limit):
            total = (offset or 0) + len(rows)  # the page ends the list: it tells the total
        else:
            count_stmt = statement(None if q.key is None else (q.key, "count"), lambda: select(func.count())
                                   .select_from(q.statement().order_by(None).subquery()))
            total = session.connection().execute(count_stmt, q.values).scalar_one()  # Core: no ORM layer
        headers["X-Total"] = str(total)
    if offset is not None:
        headers["X-Offset"] = str(offset)
    if marker_row is not None:
        headers["X-Marker"] = str(params.marker)
    if limit:
        headers["X-Limit"] = str(limit)
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
    args: dict[str, Any] = dict(request.query_params.items())
    body = await request.body()
    if body.strip():
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise BadRequest("The request body is not valid JSON") from exc
        if isinstance(data, dict):
            args.update(data)
    return args
