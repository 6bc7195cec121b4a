"""/v1/users"""

from __future__ import annotations

from fastapi import Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.api.common import JSON, IdPath, Page, Paging, Responses, json_response, paginate, paging
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.search.index import matching_ids
from storyline.users import queries, service
from storyline.users.models import User
from storyline.users.schemas import UserIn, UserOut, UserUpdate

router = Router(prefix="/users", tags=["users"])

LIST: Responses = {200: {"model": list[UserOut]}}
ONE: Responses = {200: {"model": UserOut}}


def _respond_list(page: Page, viewer: Viewer) -> JSON:
    return json_response([queries.user_json(u, viewer) for u in page.rows], page.headers)


@router.get("", responses=LIST)
def list_users(
    request: Request,
    full_name: str | None = Query(None, description="Substring of the full name, case-insensitive"),
    email: str | None = Query(None, description="Exact address; matches only addresses the caller may see"),
    openid: str | None = Query(None, description="Exact OpenID"),
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    stmt = queries.users_query(viewer, full_name=full_name, email=email, openid=openid)
    cap = request.app.state.settings.max_page_size
    page = paginate(session, stmt, id_column=User.id, sort_columns=queries.user_sort_columns(viewer),
                    params=p, cap=cap)
    return _respond_list(page, viewer)


@router.get("/self", responses=ONE)
def get_self(session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """The caller, all fields."""
    return json_response(queries.user_json(queries.get_self(session, viewer), viewer))


@router.get("/search", responses=LIST)
def search_users(
    request: Request,
    q: str = Query("", description="Full-text query over full names; the last word matches as a prefix"),
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    ids = matching_ids(session, "user", q)
    stmt = select(User).where(User.id.in_(ids) if ids is not None else User.id.is_(None))
    cap = request.app.state.settings.max_page_size
    page = paginate(session, stmt, id_column=User.id, sort_columns=queries.user_sort_columns(viewer),
                    params=p, cap=cap)
    return _respond_list(page, viewer)


@router.get("/{user_id}", responses=ONE)
def get_user(user_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.user_json(queries.get_user(session, user_id), viewer))


@router.post("", responses=ONE)
def create_user(body: UserIn, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.user_json(service.do_create_user_as(session, viewer, body.model_dump()), viewer))


@router.put("/{user_id}", responses=ONE)
def update_user(
    body: UserUpdate, user_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep
) -> JSON:
    """Self or superuser. Non-superusers' `is_superuser`, `enable_login` and `openid` are ignored, and
    they cannot change their own e-mail address (400)."""
    user = service.do_update_user_by_id_as(session, viewer, user_id, body.changes())
    return json_response(queries.user_json(user, viewer))
