"""/v1/feeds/...: Atom feeds of a story, project, project group, user and story search (additive).

Read by anyone (public stories only), by the caller of the Authorization header, or through a feed token
as `?token=` (get_feed_viewer). The feeds themselves are built in `storyline.feeds`; see
docs/notifications.md, "Feeds".
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storyline.api.common import IdPath, Responses
from storyline.api.deps import FeedViewerDep, SessionDep
from storyline.api.routing import Router
from storyline.api.v1.stories import StoryFilters, story_filters
from storyline.authz import Viewer, get_story
from storyline.feeds import atom, queries
from storyline.feeds.queries import FeedEvent
from storyline.projects.queries import get_group, get_project
from storyline.search.index import only_matching
from storyline.stories.models import Story
from storyline.stories.queries import stories_list
from storyline.users.queries import get_user

router = Router(prefix="/feeds", tags=["feeds"])

ATOM: Responses = {
    200: {"description": f"An Atom feed (RFC 4287) of the newest {queries.FEED_ENTRIES} events, newest first",
          "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
    304: {"description": "Not modified (If-None-Match, or If-Modified-Since)"},
    401: {"description": "The token (?token= or Authorization) is unknown, revoked or expired"},
}
# A feed reader polls: an anonymous feed may be kept a minute by any cache; a reader's own feed is
# private and revalidated (ETag) every time.
PUBLIC_CACHE = "public, max-age=60"
PRIVATE_CACHE = "private, no-cache"


def _base_url(request: Request) -> str:
    return request.app.state.settings.base_url or str(request.base_url).rstrip("/")


def _address(request: Request, base: str, with_query: bool = False) -> str:
    """This feed's permanent address: its path, its filters (sorted), never the reader's token."""
    address = base + request.url.path
    if with_query:
        pairs = sorted((k, v) for k, v in request.query_params.multi_items() if k != "token")
        if pairs:
            address += "?" + urlencode(pairs)
    return address


def _answer(request: Request, viewer: Viewer, feed: atom.Feed, events: list[FeedEvent], base: str) -> Response:
    """The document, or 304 when the reader has it already. The ETag is the document's own digest: it
    changes exactly when what this reader may see does (an event of a story they cannot see changes
    nothing of it)."""
    body = atom.document(feed, events, base)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    modified = atom.updated(feed, events).replace(microsecond=0)
    headers = {"ETag": etag, "Last-Modified": email.utils.format_datetime(modified.replace(tzinfo=dt.UTC),
                                                                          usegmt=True),
               "Cache-Control": PRIVATE_CACHE if viewer.authenticated else PUBLIC_CACHE,
               "Vary": "Authorization"}
    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=atom.MEDIA_TYPE, headers=headers)


def _not_modified(request: Request, etag: str, modified: dt.datetime) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:  # it decides alone when present (RFC 9110 §13.2.2)
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        return etag in tags or "*" in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        return False
    return modified <= when.astimezone(dt.UTC).replace(tzinfo=None)


def _scoped(request: Request, viewer: Viewer, events: Callable[[], list[FeedEvent]], *, title: str, page: str,
            since: dt.datetime | None, subtitle: str | None = None) -> Response:
    """The feed of a story, project, group or user: named by its own address, following `page` (a path
    of the web client)."""
    base = _base_url(request)
    address = _address(request, base)
    feed = atom.Feed(id=address, self=address, title=title, subtitle=subtitle, alternate=base + page, since=since)
    return _answer(request, viewer, feed, events(), base)


@router.get("/stories/{story_id}.atom", response_class=Response, responses=ATOM)
def story_feed(request: Request, story_id: IdPath, session: Session = SessionDep,
               viewer: Viewer = FeedViewerDep) -> Response:
    """A story's timeline: 404 when the reader may not see the story, exactly as for a missing one."""
    story = get_story(session, viewer, story_id)
    return _scoped(request, viewer, lambda: queries.story_events(session, viewer, story.id),
                   title=f"Story {story.id}: {story.title}", page=f"/story/{story.id}", since=story.created_at)


@router.get("/projects/{project_id}.atom", response_class=Response, responses=ATOM)
def project_feed(request: Request, project_id: IdPath, session: Session = SessionDep,
                 viewer: Viewer = FeedViewerDep) -> Response:
    """The timelines of the stories with a task on the project that the reader may see."""
    project = get_project(session, project_id)
    return _scoped(request, viewer, lambda: queries.project_events(session, viewer, "project", project.id),
                   title=f"Project {project.name}", subtitle=project.description, page=f"/project/{project.id}",
                   since=project.created_at)


@router.get("/project_groups/{group_id}.atom", response_class=Response, responses=ATOM)
def project_group_feed(request: Request, group_id: IdPath, session: Session = SessionDep,
                       viewer: Viewer = FeedViewerDep) -> Response:
    """The timelines of the stories with a task on a project of the group that the reader may see."""
    group = get_group(session, group_id)
    return _scoped(request, viewer, lambda: queries.project_events(session, viewer, "project_group", group.id),
                   title=f"Project group {group.title}", subtitle=group.name, page=f"/project-group/{group.id}",
                   since=group.created_at)


@router.get("/users/{user_id}.atom", response_class=Response, responses=ATOM)
def user_feed(request: Request, user_id: IdPath, session: Session = SessionDep,
              viewer: Viewer = FeedViewerDep) -> Response:
    """What the user did on stories the reader may see."""
    user = get_user(session, user_id)
    return _scoped(request, viewer, lambda: queries.user_events(session, viewer, user.id),
                   title=f"Activity of {user.full_name}", page=f"/user/{user.id}", since=user.created_at)


@router.get("/stories.atom", response_class=Response, responses=ATOM)
def search_feed(
    request: Request,
    title: str | None = None,
    description: str | None = None,
    q: str | None = Query(None, description="Full text over title, description, tags and comments "
                          "(as /v1/stories/search; no words: no stories)"),
    f: StoryFilters = Depends(story_filters),
    session: Session = SessionDep,
    viewer: Viewer = FeedViewerDep,
) -> Response:
    """The timelines of the stories a search finds: the filters of /v1/stories (and `q` of
    /v1/stories/search), applied to the stories the reader may see."""
    stories = stories_list(viewer, title=title, description=description, **f.kw)
    if q is not None:
        stories = only_matching(stories, session, "story", Story.id, q)
    base = _base_url(request)
    # The document names the search by a digest of its address: the words searched for are never
    # repeated back (a feed answers the same, word for word, whatever a reader guesses).
    digest = uuid.uuid5(uuid.NAMESPACE_URL, _address(request, base, with_query=True))
    feed = atom.Feed(id=f"urn:uuid:{digest}", title="Story search", subtitle="Stories matching a search",
                     alternate=f"{base}/search")
    return _answer(request, viewer, feed, queries.search_events(session, viewer, stories), base)
