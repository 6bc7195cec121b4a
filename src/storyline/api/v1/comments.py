"""/v1/stories/{story_id}/comments (+ history)"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.api.common import JSON, Paging, json_response, no_content, paginate, paging
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer, get_story
from storyline.errors import MethodNotAllowed
from storyline.stories import comments
from storyline.stories.models import Comment
from storyline.stories.schemas import CommentIn, CommentOut, CommentUpdate, EventOut
from storyline.stories.serialize import comment_json, events_json, history_json

router = Router(prefix="/stories/{story_id}/comments", tags=["comments"])
SORT = {c.key: c for c in Comment.__table__.columns}


def _editable(request: Request) -> None:
    if not request.app.state.settings.enable_editable_comments:
        raise MethodNotAllowed("Editing comments is disabled on this server")


@router.get("", responses={200: {"model": list[CommentOut]}})
def list_comments(request: Request, story_id: int, p: Paging = Depends(paging),
                  session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    story = get_story(session, viewer, story_id)
    stmt = select(Comment).where(Comment.story_id == story.id)
    page = paginate(session, stmt, id_column=Comment.id, sort_columns=SORT, params=p,
                    cap=request.app.state.settings.max_page_size)
    return json_response([comment_json(c) for c in page.rows], page.headers)


@router.get("/{comment_id}", responses={200: {"model": CommentOut}})
def get_comment(story_id: int, comment_id: int, session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> JSON:
    story = get_story(session, viewer, story_id)
    return json_response(comment_json(comments.get_comment(session, story, comment_id)))


@router.post("", responses={200: {"model": EventOut}}, description="Returns the timeline event.")
def post_comment(story_id: int, body: CommentIn, session: Session = SessionDep,
                 viewer: Viewer = ViewerDep) -> JSON:
    event, comment = comments.do_post_comment_as(session, viewer, story_id, body.content, body.in_reply_to)
    return json_response(events_json(session, [event], known=[comment])[0])


@router.put("/{comment_id}", responses={200: {"model": CommentOut}})
def edit_comment(request: Request, story_id: int, comment_id: int, body: CommentUpdate,
                 session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    _editable(request)
    return json_response(comment_json(comments.do_edit_comment_as(session, viewer, story_id, comment_id,
                                                                  body.content)))


@router.delete("/{comment_id}", status_code=204, response_class=Response)
def delete_comment(request: Request, story_id: int, comment_id: int, session: Session = SessionDep,
                   viewer: Viewer = ViewerDep) -> Response:
    _editable(request)
    comments.do_delete_comment_as(session, viewer, story_id, comment_id)
    return no_content()


@router.get("/{comment_id}/history", responses={200: {"model": list[CommentOut]}})
def comment_history(story_id: int, comment_id: int, session: Session = SessionDep,
                    viewer: Viewer = ViewerDep) -> JSON:
    story = get_story(session, viewer, story_id)
    comment = comments.get_comment(session, story, comment_id)
    # A deleted comment's earlier versions are gone with its text.
    versions = comments.history(session, comment) if comment.is_active else []
    return json_response([history_json(h, comment) for h in versions])
