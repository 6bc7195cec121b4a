"""/v1/stories/{story_id}/attachments: list, upload (multipart), metadata, download, delete.

Storyline addition (StoryBoard has no attachments). Everything goes through authz.get_story first:
an attachment of a story the caller cannot see answers 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storyline.api.common import JSON, json_response, no_content
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.attachments import queries, service
from storyline.attachments.schemas import AttachmentOut
from storyline.authz import Viewer, get_story, require_user
from storyline.errors import MethodNotAllowed, TooLarge

router = Router(prefix="/stories/{story_id}/attachments", tags=["attachments"])


def _base(request: Request) -> str:
    return str(request.base_url)


@router.get("", responses={200: {"model": list[AttachmentOut]}})
def list_attachments(request: Request, story_id: int, session: Session = SessionDep,
                     viewer: Viewer = ViewerDep) -> JSON:
    story = get_story(session, viewer, story_id)
    base = _base(request)
    return json_response([queries.attachment_json(a, base) for a in queries.list_attachments(session, story.id)])


@router.post("", responses={200: {"model": AttachmentOut}, 413: {"description": "The file is too large"}},
             description="Upload a file (multipart/form-data: `file`, optional `title` and `comment_id`).")
def upload_attachment(request: Request, story_id: int, file: Annotated[UploadFile, File()],
                      title: Annotated[str | None, Form(max_length=255)] = None,
                      comment_id: Annotated[int | None, Form()] = None,
                      session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    settings = request.app.state.settings
    if not settings.enable_attachments:
        raise MethodNotAllowed("Attachments are disabled on this server")
    uid = require_user(viewer)
    story = get_story(session, viewer, story_id)
    limit = settings.max_attachment_bytes
    # Read in this worker thread (never on the event loop), at most one byte past the limit.
    file.file.seek(0)
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge("file", f"The file is larger than the limit of {limit} bytes", limit)
    attachment = service.add_attachment(session, story.id, name=file.filename or "", data=data, creator_id=uid,
                                        content_type=file.content_type or "", title=title, comment_id=comment_id)
    return json_response(queries.attachment_json(attachment, _base(request)))


@router.get("/{attachment_id}", responses={200: {"model": AttachmentOut}})
def get_attachment(request: Request, story_id: int, attachment_id: int, session: Session = SessionDep,
                   viewer: Viewer = ViewerDep) -> JSON:
    story = get_story(session, viewer, story_id)
    return json_response(queries.attachment_json(service.get_attachment(session, story, attachment_id),
                                                 _base(request)))


@router.get("/{attachment_id}/download", response_class=Response,
            responses={200: {"description": "The file", "content": {"application/octet-stream": {}}},
                       304: {"description": "Not modified (If-None-Match)"}})
def download_attachment(request: Request, story_id: int, attachment_id: int, session: Session = SessionDep,
                        viewer: Viewer = ViewerDep) -> Response:
    story = get_story(session, viewer, story_id)
    attachment = service.get_attachment(session, story, attachment_id)
    headers = queries.download_headers(attachment)
    if request.headers.get("if-none-match") == headers["etag"]:
        return Response(status_code=304, headers={"etag": headers["etag"]})
    # Content-Type as stored (no charset added: the file's own bytes are not known to be UTF-8).
    return Response(queries.content(session, attachment), headers=headers)


@router.delete("/{attachment_id}", status_code=204, response_class=Response)
def delete_attachment(story_id: int, attachment_id: int, session: Session = SessionDep,
                      viewer: Viewer = ViewerDep) -> Response:
    require_user(viewer)
    story = get_story(session, viewer, story_id)
    service.do_delete_attachment(session, viewer, service.get_attachment(session, story, attachment_id))
    return no_content()
