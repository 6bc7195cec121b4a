"""/v1/users/{user_id}/tokens: personal API tokens (self or superuser)."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storyline.api.common import JSON, IdPath, Paging, Responses, json_response, no_content, paginate, paging
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.users import queries, service
from storyline.users.models import AccessToken
from storyline.users.schemas import TokenIn, TokenOut, TokenUpdate

router = Router(prefix="/users/{user_id}/tokens", tags=["user tokens"])

LIST: Responses = {200: {"model": list[TokenOut]}}
ONE: Responses = {200: {"model": TokenOut}}


@router.get("", responses=LIST)
def list_tokens(
    request: Request,
    user_id: IdPath,
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    cap = request.app.state.settings.max_page_size
    page = paginate(session, queries.tokens_of(session, viewer, user_id), id_column=AccessToken.id,
                    sort_columns=queries.TOKEN_SORT, params=p, cap=cap)
    return json_response([queries.token_json(t) for t in page.rows], page.headers)


@router.delete("/delete_all", status_code=204, response_class=Response)
def delete_all_tokens(user_id: IdPath, session: Session = SessionDep,
                      viewer: Viewer = ViewerDep) -> Response:
    """Log the user out everywhere: every token of the user is deleted."""
    service.do_delete_all_tokens_as(session, viewer, user_id)
    return no_content()


@router.get("/{token_id}", responses=ONE)
def get_token(user_id: IdPath, token_id: IdPath, session: Session = SessionDep,
              viewer: Viewer = ViewerDep) -> JSON:
    return json_response(queries.token_json(queries.get_token_as(session, viewer, user_id, token_id)))


@router.post("", responses=ONE)
def create_token(request: Request, body: TokenIn, user_id: IdPath, session: Session = SessionDep,
                 viewer: Viewer = ViewerDep) -> JSON:
    """The clear `access_token` appears in this response only: Storyline stores a hash of it.

    `kind: "feed"` makes a feed token: it reads the Atom feeds (`/v1/feeds/...?token=`) as the user and
    is refused by the rest of the API; revoke it with DELETE like any token."""
    settings = request.app.state.settings
    # A feed reader keeps its URL for months: a feed token lives as long as the server allows by default.
    default = settings.max_token_lifetime if body.kind == "feed" else settings.default_token_lifetime
    expires_in = body.expires_in or default
    token, value = service.do_create_token_as(session, viewer, user_id, body.user_id, expires_in, body.access_token,
                                              body.name, max_lifetime=settings.max_token_lifetime, kind=body.kind)
    return json_response(queries.token_json(token, value))


@router.put("/{token_id}", responses=ONE)
def update_token(request: Request, body: TokenUpdate, user_id: IdPath, token_id: IdPath,
                 session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    """Only `expires_in` of a live personal token changes (at most `max_token_lifetime`); the body must
    carry the `user_id` of the path (else 403)."""
    token = service.do_update_token_as(session, viewer, user_id, token_id, body.user_id, body.expires_in,
                                       max_lifetime=request.app.state.settings.max_token_lifetime)
    return json_response(queries.token_json(token))


@router.delete("/{token_id}", status_code=204, response_class=Response)
def delete_token(user_id: IdPath, token_id: IdPath, session: Session = SessionDep,
                 viewer: Viewer = ViewerDep) -> Response:
    service.do_delete_token_as(session, viewer, user_id, token_id)
    return no_content()
