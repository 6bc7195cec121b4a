"""Preview: the story query language on the server (docs/search.md): search, completion, saved views."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from pydantic import Field, StringConstraints
from sqlalchemy.orm import Session

from storyline.api.common import JSON, IdPath, Paging, Responses, json_response, no_content, paginate, paging
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.schemas import DbId, In, Out
from storyline.search import complete as completion
from storyline.search import views
from storyline.search.models import SavedView
from storyline.search.paging import page_of
from storyline.search.query import DEFAULT_SORT, MAX_LENGTH, Compiler, parse
from storyline.stories.schemas import StoryOut
from storyline.stories.serialize import stories_by_ids

PREVIEW = "Preview: not yet stable; may change without notice."
router = Router(tags=["preview"])
DEFAULT_PAGE, MAX_PAGE = 100, 500
VIEW_SORT = {c.key: c for c in SavedView.__table__.columns}
ERRORS: Responses = {400: {"description": "The query has a mistake: `message`, `field` (\"q\"), `position` (the "
                           "character offset, from 0), `end` and `expected` (what would be right there)"}}


@router.get("/search", responses={200: {"model": list[StoryOut]}, **ERRORS},
            summary="Stories matching a query of the query language (preview)",
            description=PREVIEW + " `q` is a query (docs/search.md): words, `qualifier:value`, `-` / `NOT`, `OR`, "
            "parentheses, `sort:`. Answers the stories the caller may see, as /v1/stories does, paged by "
            "`offset` and `limit` (default 100, at most 500 or the server's page size); `X-Total` counts every match; "
            "`X-Sort` tells the order used (the query's sort:, else updated-desc).")
def search(request: Request, q: Annotated[str, Query(max_length=MAX_LENGTH * 4)] = "",
           offset: int | None = Query(None, ge=0, le=2**31 - 1),
           limit: int | None = Query(None, ge=0, le=2**31 - 1),
           session: Session = SessionDep, viewer: Viewer = ViewerDep) -> Response:
    parsed = parse(q)
    stmt = Compiler(session, viewer).select_ids(parsed)
    field, direction = parsed.sort or DEFAULT_SORT
    cap = request.app.state.settings.max_page_size or MAX_PAGE
    limit = min(limit or DEFAULT_PAGE, cap)
    ids, total = page_of(session, stmt, field, direction, offset or 0, limit)
    by_id = stories_by_ids(session, viewer, ids)
    headers = {"X-Total": str(total), "X-Offset": str(offset or 0), "X-Limit": str(limit),
               "X-Sort": f"{field}-{direction}"}
    return json_response([by_id[i] for i in ids if i in by_id], headers)


class CompletionItem(Out):
    value: str
    insert: str = Field(description="The text that replaces the query's characters start..end")
    help: str | None


class CompletionOut(Out):
    start: int
    end: int
    kind: str = Field(description="qualifier (a qualifier's name is being typed) or value")
    qualifier: str | None
    items: list[CompletionItem]


@router.get("/search/complete", responses={200: {"model": CompletionOut}},
            summary="What may be typed at a position of a query (preview)",
            description=PREVIEW + " Qualifier names, then their values: fixed sets, and the projects, project "
            "groups, tags, people, branches and milestones starting with what is typed (10 at most), only those "
            "the caller may see. `position` defaults to the end of `q`.")
def complete(q: Annotated[str, Query(max_length=MAX_LENGTH)] = "",
             position: int | None = Query(None, ge=0, le=MAX_LENGTH),
             session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(completion.complete(session, viewer, q, len(q) if position is None else position))


# ---- saved views ------------------------------------------------------------------------------------

Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
QueryText = Annotated[str, StringConstraints(max_length=MAX_LENGTH)]
Columns = Annotated[list[str], Field(max_length=len(views.COLUMNS))]


class ViewIn(In):
    name: Name
    query: QueryText = Field(description="A query of the query language (docs/search.md)")
    columns: Columns | None = Field(None, description=f"Columns of the list, of {', '.join(views.COLUMNS)}; "
                                    "null: the default ones")
    sort: str | None = Field(None, description="updated-desc, id-asc… (a sort: in the query wins)")
    team_id: DbId | None = Field(None, description="Share with the members of this team (one you are in)")
    pinned_home: bool = Field(False, description="Shown on the home page")
    project_id: DbId | None = Field(None, description="Shown on this project's page")


class ViewUpdate(In):
    name: Name | None = None
    query: QueryText | None = None
    columns: Columns | None = None
    sort: str | None = None
    team_id: DbId | None = None
    pinned_home: bool | None = None
    project_id: DbId | None = None


class ViewOut(Out):
    id: int
    owner_id: int
    team_id: int | None
    name: str
    query: str
    columns: list[str] | None
    sort: str | None
    pinned_home: bool
    project_id: int | None
    mine: bool
    created_at: str
    updated_at: str | None


_NULLABLE = ("columns", "sort", "team_id", "project_id")


@router.get("/views", responses={200: {"model": list[ViewOut]}}, summary="Saved views (preview)",
            description=PREVIEW + " The caller's views and those shared with a team the caller is in. Filters: "
            "`project_id` (pinned to that project), `pinned_home`, `mine`.")
def list_views(project_id: int | None = None, pinned_home: bool | None = None, mine: bool | None = None,
               p: Paging = Depends(paging), session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    stmt = views.views_select(viewer, project_id=project_id, pinned_home=pinned_home, mine=mine)
    page = paginate(session, stmt, id_column=SavedView.id, sort_columns=VIEW_SORT, params=p, cap=500)
    return json_response([views.view_json(v, viewer) for v in page.rows], page.headers)


@router.post("/views", responses={200: {"model": ViewOut}, **ERRORS}, summary="Save a view (preview)",
             description=PREVIEW + " A query with a mistake is refused (400, field `query`, with its position).")
def create_view(body: ViewIn, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    view = views.do_create_view(session, viewer, body.model_dump())
    return json_response(views.view_json(view, viewer))


class TeamRefOut(Out):
    id: int
    name: str


@router.get("/views/teams", responses={200: {"model": list[TeamRefOut]}},
            summary="The teams the caller may share a view with (preview)", description=PREVIEW)
def view_teams(session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(views.my_teams(session, viewer))


@router.get("/views/{view_id}", responses={200: {"model": ViewOut}}, summary="A saved view (preview)",
            description=PREVIEW)
def get_view(view_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(views.view_json(views.get_view(session, viewer, view_id), viewer))


@router.put("/views/{view_id}", responses={200: {"model": ViewOut}, **ERRORS}, summary="Change a view (preview)",
            description=PREVIEW + " Its owner only. Fields left out are kept; null clears columns, sort, team_id "
            "and project_id.")
def update_view(view_id: IdPath, body: ViewUpdate, session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> JSON:
    view = views.get_view(session, viewer, view_id)
    changes: dict[str, Any] = {k: v for k, v in body.changes().items() if v is not None or k in _NULLABLE}
    return json_response(views.view_json(views.do_update_view(session, viewer, view, changes), viewer))


@router.delete("/views/{view_id}", status_code=204, summary="Delete a view (preview)", description=PREVIEW)
def delete_view(view_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> Response:
    views.do_delete_view(session, viewer, views.get_view(session, viewer, view_id))
    return no_content()
