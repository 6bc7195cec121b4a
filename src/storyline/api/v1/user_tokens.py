"""/v1/users/{user_id}/tokens: personal API tokens (self or superuser)."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storyline.api.common import JSON, IdPath, Paging, Responses, json_response, no_content, paginate, paging
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer, require_self_or_superuser
from storyline.errors import Forbidden
from storyline.users import queries, service
from storyline.users.models import AccessToken
from storyline.users.schemas import TokenIn, TokenOut, TokenUpdate

router = Router(prefix="/users/{user_id}/tokens", tags=["user tokens"])

LIST: Responses = {200: {"model": list[TokenOut]}}
ONE: Responses = {200: {"model": TokenOut}}


def _owner(session: Session, viewer: Viewer, user_id: int) -> None:
    """The caller is the user or a superuser (else 401/403), and the user exists (else 404)."""
    require_self_or_superuser(viewer, user_id)
    queries.get_user(session, user_id)


def _same_user(body_user_id: int | None, user_id: int) -> None:
    """No `PUT /users/1/tokens {user_id: 2}`: the body names the user of the path."""
    if body_user_id != user_id:
        raise Forbidden("The token's user_id must be the user of the path.")


@router.get("", responses=LIST)
def list_tokens(
    request: Request,
    user_id: IdPath,
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    _owner(session, viewer, user_id)
    cap = request.app.state.settings.max_page_size
    page = paginate(session, queries.tokens_query(user_id), id_column=AccessToken.id,
                    sort_columns=queries.TOKEN_SORT, params=p, cap=cap)
    return json_response([queries.token_json(t) for t in page.rows], page.headers)


@router.delete("/delete_all", status_code=204, response_class=Response)
def delete_all_tokens(user_id: IdPath, session: Session = SessionDep,
                      viewer: Viewer = ViewerDep) -> Response:
    """Log the user out everywhere: every token of the user is deleted."""
    _owner(session, viewer, user_id)
    service.do_delete_all_tokens(session, user_id)
    return no_content()


@router.get("/{token_id}", responses=ONE)
def get_token(user_id: IdPath, token_id: IdPath, session: Session = SessionDep,
              viewer: Viewer = ViewerDep) -> JSON:
    _owner(session, viewer, user_id)
    return json_response(queries.token_json(queries.get_token(session, user_id, token_id)))


@router.post("", responses=ONE)
def create_token(request: Request, body: TokenIn, user_id: IdPath, session: Session = SessionDep,
                 viewer: Viewer = ViewerDep) -> JSON:
    """The clear `access_token` appears in this response only: Storyline stores a hash of it.

    `kind: "feed"` makes a feed token: it reads the Atom feeds (`/v1/feeds/...?token=`) as the user and
    is refused by the rest of the API; revoke it with DELETE like any token."""
    _owner(session, viewer, user_id)
    _same_user(body.user_id, user_id)
    settings = request.app.state.settings
    # A feed reader keeps its URL for months: a feed token lives as long as the server allows by default.
    default = settings.max_token_lifetime if body.kind == "feed" else settings.default_token_lifetime
    expires_in = body.expires_in or default
    token, value = service.do_create_token(session, user_id, expires_in, body.access_token, body.name,
                                           actor_id=viewer.user_id, max_lifetime=settings.max_token_lifetime,
                                           kind=body.kind)
    return json_response(queries.token_json(token, value))


@router.put("/{token_id}", responses=ONE)
def update_token(request: Request, body: TokenUpdate, user_id: IdPath, token_id: IdPath,
                 session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """Only `expires_in` of a live personal token changes (at most `max_token_lifetime`); the body must
    carry the `user_id` of the path (else 403)."""
    _owner(session, viewer, user_id)
    _same_user(body.user_id, user_id)
    token = queries.get_token(session, user_id, token_id)
    token = service.do_update_token(session, token, body.expires_in,
                                    max_lifetime=request.app.state.settings.max_token_lifetime)
    return json_response(queries.token_json(token))


@router.delete("/{token_id}", status_code=204, response_class=Response)
def delete_token(user_id: IdPath, token_id: IdPath, session: Session = SessionDep,
                 viewer: Viewer = ViewerDep) -> Response:
    _owner(session, viewer, user_id)
    service.do_delete_token(session, queries.get_token(session, user_id, token_id))
    return no_content()
