"""/v1/tags and /v1/stories/{story_id}/tags"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from storyline.api.common import JSON, Paging, json_response, like, loose_args, no_content, paginate, paging
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer, get_story, require_user, tag_visible
from storyline.errors import BadRequest, NotFound
from storyline.stories import service
from storyline.stories.models import StoryTag, Tag
from storyline.stories.schemas import StoryOut, TagOut
from storyline.stories.serialize import story_json, tags_json

router = Router(tags=["tags"])
SORT = {c.key: c for c in Tag.__table__.columns}


@router.get("/tags", responses={200: {"model": list[TagOut]}})
def list_tags(request: Request, story_id: int | None = None, name: str | None = None,
              p: Paging = Depends(paging), session: Session = SessionDep,
              viewer: Viewer = ViewerDep) -> JSON:
    stmt = select(Tag).where(tag_visible(viewer, Tag.id))
    if story_id is not None:
        get_story(session, viewer, story_id)
        stmt = stmt.where(Tag.id.in_(select(StoryTag.tag_id).where(StoryTag.story_id == story_id)))
    if name:
        stmt = stmt.where(like(Tag.name, name))
    page = paginate(session, stmt, id_column=Tag.id, sort_columns=SORT, params=p,
                    cap=request.app.state.settings.max_page_size)
    return json_response(tags_json(session, viewer, page.rows), page.headers)


@router.get("/tags/{tag_id}", responses={200: {"model": TagOut}})
def get_tag(tag_id: int, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    tag = session.execute(select(Tag).where(Tag.id == tag_id, tag_visible(viewer, Tag.id))).scalar_one_or_none()
    if tag is None:
        raise NotFound(f"Tag {tag_id} not found")
    return json_response(tags_json(session, viewer, [tag])[0])


def _story_tags(session: Session, story_id: int) -> list[Tag]:
    return list(session.execute(select(Tag).join(StoryTag, StoryTag.tag_id == Tag.id)
                                .where(StoryTag.story_id == story_id).order_by(Tag.id)).scalars())


@router.get("/stories/{story_id}/tags", responses={200: {"model": list[TagOut]}},
            description="The story's tags as tag objects, in the order they were created (no paging), "
                        "as StoryBoard answers (boartty reads them so).")
def list_story_tags(story_id: int, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    story = get_story(session, viewer, story_id)
    return json_response(tags_json(session, viewer, _story_tags(session, story.id)))


@router.get("/stories/{story_id}/tags/{tag_id}", responses={200: {"model": TagOut}},
            description="One tag of the story; 404 if the story does not carry it.")
def get_story_tag(story_id: int, tag_id: int, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    story = get_story(session, viewer, story_id)
    tag = session.execute(select(Tag).join(StoryTag, StoryTag.tag_id == Tag.id)
                          .where(StoryTag.story_id == story.id, Tag.id == tag_id)).scalar_one_or_none()
    if tag is None:
        raise NotFound(f"Tag {tag_id} not found on story {story_id}")
    return json_response(tags_json(session, viewer, [tag])[0])


@router.post("/tags", responses={200: {"model": TagOut}},
             description="The name comes from `?tag_name=` or a body `{\"tag_name\": ...}`.")
def create_tag(args: dict[str, Any] = Depends(loose_args), session: Session = SessionDep,
               viewer: Viewer = ViewerDep) -> JSON:
    require_user(viewer)
    name = args.get("tag_name")
    if not isinstance(name, str) or not name.strip() or len(name) > 50:
        raise BadRequest("tag_name is required: 1 to 50 characters", field="tag_name")
    return json_response(tags_json(session, viewer, [service.do_create_tag(session, name)])[0])


async def tag_names(request: Request, tags: list[str] | None = Query(None)) -> list[str]:
    """Tag names from `?tags=a&tags=b` and/or a JSON list body `["a", "b"]`."""
    names = list(tags or [])
    raw = await request.body()
    if raw.strip():
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise BadRequest("The request body is not valid JSON", field="tags") from exc
        if isinstance(data, dict):
            data = data.get("tags", [])
        if isinstance(data, str):
            data = [data]
        if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
            raise BadRequest("tags must be a list of tag names", field="tags")
        names.extend(data)
    return names


TAGS_DOC = "Tag names from `?tags=a&tags=b` and/or a JSON list body `[\"a\", \"b\"]`."


@router.put("/stories/{story_id}/tags", responses={200: {"model": StoryOut}}, description=TAGS_DOC)
@router.put("/tags/{story_id}", responses={200: {"model": StoryOut}}, description=TAGS_DOC)
def add_tags(story_id: int, names: list[str] = Depends(tag_names), session: Session = SessionDep,
             viewer: Viewer = ViewerDep) -> JSON:
    require_user(viewer)
    story = service.do_add_tags(session, viewer, get_story(session, viewer, story_id), names)
    return json_response(story_json(session, viewer, story))


@router.delete("/stories/{story_id}/tags", status_code=204, response_class=Response, description=TAGS_DOC)
@router.delete("/tags/{story_id}", status_code=204, response_class=Response, description=TAGS_DOC)
def remove_tags(story_id: int, names: list[str] = Depends(tag_names), session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> Response:
    require_user(viewer)
    service.do_remove_tags(session, viewer, get_story(session, viewer, story_id), names)
    return no_content()
