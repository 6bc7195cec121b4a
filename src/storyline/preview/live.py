"""Preview: live updates. A browser (or any client) opens a server-sent events stream naming the stories,
worklists, boards, projects or project groups it shows, or the query of a list (search results, the home
page's lists, an automatic worklist), and is told within a second when one of them changes (or a story
comes to match the query): a small notice per timeline event ("story 12 changed, event 345"), sent only when the stream's
viewer may see that event. The client then reads what changed through the ordinary API.

Authentication: the Authorization header as anywhere in the API, or, for EventSource (which cannot set
headers), `?ticket=` with a stream ticket from `POST /preview/live/tickets`: signed, valid for
`live_ticket_ttl` seconds (one minute) and only for opening a stream, bound to the token that asked for
it (revoking the token refuses the ticket and ends the streams it opened). Without either: anonymous,
public changes only. The machinery is `storyline.live` (docs/architecture.md, "Live updates").
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
from fastapi import Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from storyline import signing
from storyline.api.common import JSON, json_response
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router, in_thread
from storyline.authz import Viewer, require_user
from storyline.db import utcnow
from storyline.errors import Unavailable, ValidationFailed, unauthorized
from storyline.live import RESET, Closed, End, Interest, LiveHub, Notice, Stream, TooMany, hub_for
from storyline.schemas import DbId, Out
from storyline.search.query import MAX_LENGTH, Compiler, QueryError, parse
from storyline.users.models import AccessToken, User

PREVIEW = "Preview: not yet stable; may change without notice."
PURPOSE = "live-stream"
MAX_TOPICS = 100
router = Router(prefix="/live", tags=["preview"])


class TooManyStreams(Unavailable):
    status_code = 429
    code = "too_many_streams"


class TicketOut(Out):
    ticket: str
    expires_in: int


@router.post("/tickets", responses={200: {"model": TicketOut}}, summary="A stream ticket for GET /preview/live (preview)",
             description=PREVIEW + " For clients that cannot send an Authorization header with a stream "
             "(EventSource): a signed ticket that opens streams as the caller for `expires_in` seconds. "
             "It is bound to the caller's token: revoking the token refuses it.")
def create_ticket(request: Request, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    uid = require_user(viewer)
    if viewer.token_id is None:
        raise unauthorized()
    ttl = request.app.state.settings.live_ticket_ttl
    return json_response({"ticket": signing.sign(session, PURPOSE, f"{uid}-{viewer.token_id}", ttl=ttl),
                          "expires_in": ttl})


_TOKEN = (select(User.is_superuser).join(AccessToken, AccessToken.user_id == User.id)
          .where(AccessToken.id == bindparam("token_id"), User.id == bindparam("user_id"),
                 AccessToken.kind != "feed", AccessToken.expires_at > bindparam("now"), User.enable_login.is_(True)))


def _ticket_viewer(session: Session, ticket: str) -> Viewer | None:
    message = signing.verify(session, PURPOSE, ticket, expiring=True)
    if message is None:
        return None
    uid, _, token_id = message.partition("-")
    if not (uid.isdigit() and token_id.isdigit()):
        return None
    row = session.execute(_TOKEN, {"token_id": int(token_id), "user_id": int(uid), "now": utcnow()}).first()
    return None if row is None else Viewer(user_id=int(uid), is_superuser=bool(row[0]), token_id=int(token_id))


def _sse(event: str, data: dict[str, Any], event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\n".encode() + b"data: " + orjson.dumps(data) + b"\n\n"


def _check_query(session: Session, viewer: Viewer, query: str) -> None:
    """A stream's query with a mistake, or one this reader may not run (`@me` anonymously, someone else's
    subscriptions), is refused (400, field `query`, with the position). A name that matches nothing
    matches nothing, as in an automatic worklist's saved query (it may come to exist). Blocking."""
    try:
        Compiler(session, viewer, strict=False, field="query").condition(parse(query).tree)
    except QueryError as e:
        raise e.with_field("query") from None


def _notice(n: Notice) -> bytes:
    return _sse("change", n.json(), n.id)


class EventStream(Response):
    """text/event-stream of one registered stream: its replay, then notices as the hub hands them over,
    a comment line every heartbeat; ends when the client goes, the hub stops or the token is refused."""

    media_type = "text/event-stream"

    def __init__(self, hub: LiveHub, stream: Stream, replay: list[Notice] | None, heartbeat: float) -> None:
        super().__init__(headers={"cache-control": "no-cache, no-transform", "x-accel-buffering": "no"})
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]  # streamed
        self.hub = hub
        self.stream = stream
        self.replay = replay
        self.heartbeat = heartbeat

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        stream = self.stream

        async def watch() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    stream._put(End("disconnected"))
                    return

        watcher = asyncio.ensure_future(watch())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            first = b"retry: 2000\n\n"
            if self.replay is None:
                first += _sse("reset", {"reason": "too far behind"})
            else:
                first += b"".join(_notice(n) for n in self.replay)
            first += _sse("ready", {"cursor": stream.start}, stream.start)
            await send({"type": "http.response.body", "body": first, "more_body": True})
            while True:
                try:
                    item = await asyncio.wait_for(stream.queue.get(), self.heartbeat)
                except TimeoutError:
                    await send({"type": "http.response.body", "body": b": heartbeat\n\n", "more_body": True})
                    continue
                if isinstance(item, End):
                    if item.reason != "disconnected":
                        await send({"type": "http.response.body", "body": _sse("end", {"reason": item.reason}),
                                    "more_body": True})
                    break
                body = _sse("reset", {"reason": "too far behind"}) if item == RESET else b"".join(
                    _notice(n) for n in item if isinstance(n, Notice))
                await send({"type": "http.response.body", "body": body, "more_body": True})
            with contextlib.suppress(OSError):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # the client is gone
        finally:
            watcher.cancel()
            self.hub.close(stream)


def _interest(story: list[int], worklist: list[int], board: list[int], project: list[int],
              project_group: list[int], query: str | None = None) -> Interest:
    interest = Interest(frozenset(story), frozenset(worklist), frozenset(board), frozenset(project),
                        frozenset(project_group), query)
    if interest.empty:
        raise ValidationFailed("story", "name at least one story, worklist, board, project or project_group, "
                               "or a query")
    if interest.size() > MAX_TOPICS:
        raise ValidationFailed("story", f"at most {MAX_TOPICS} stories, worklists, boards, projects and groups in all")
    return interest


@router.get("", summary="Live updates of stories, worklists, boards, projects (server-sent events; preview)",
            response_class=Response,
            responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}},
                             "description": "An event stream: `change` events (`id`: the event id, `data`: "
                             "{id, type, story_id, worklist_id, board_id}), `ready` (data: {cursor}), "
                             "`reset` (read everything again), `end` (data: {reason}), comment heartbeats"},
                       401: {"description": "A refused token or ticket"},
                       429: {"description": "Too many open streams for this user (or this server)"}},
            description=PREVIEW + " A stream of notices: each timeline event of the named stories, worklists, "
            "boards (their lanes and cards included), projects or project groups (stories with a task in "
            "them), or of a story matching `query` once changed, that the caller may see, within a second "
            "of its commit, on any API process. Read what "
            "changed through the API. Resume with `Last-Event-ID` (or `last_event_id`): the events missed "
            "since are sent first (or `reset` when more than 500). Authenticate with the Authorization "
            "header or `ticket` (POST /preview/live/tickets); neither: public changes only.")
async def live(
    request: Request,
    story: list[DbId] = Query([], description="Story ids"),
    worklist: list[DbId] = Query([], description="Worklist ids"),
    board: list[DbId] = Query([], description="Board ids (their lanes and cards included)"),
    project: list[DbId] = Query([], description="Project ids (stories with a task in the project)"),
    project_group: list[DbId] = Query([], description="Project group ids"),
    query: str | None = Query(None, description=(f"At most {MAX_LENGTH} characters. "
        "A list's query (the search language, docs/search.md; empty: every story): the changes of any "
        "story that matches it for the caller once changed, besides the ids named (name the stories "
        "shown too: a story that stops matching is heard through them)")),
    ticket: str | None = Query(None, max_length=200, description="A stream ticket (POST /preview/live/tickets)"),
    last_event_id: DbId | None = Query(None, description="Resume after this event (as the Last-Event-ID header)"),
    last_event_header: str | None = Header(None, alias="Last-Event-ID", max_length=20, include_in_schema=False),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> Response:
    interest = _interest(story, worklist, board, project, project_group, query)
    if ticket is not None and viewer.user_id is None:
        ticket_viewer = await in_thread(_ticket_viewer, session, ticket.strip())
        if ticket_viewer is None:
            raise unauthorized()
        viewer = ticket_viewer
    if query is not None:
        await in_thread(_check_query, session, viewer, query)
    after = last_event_id
    if last_event_header is not None and last_event_header.strip().isdigit():
        after = int(last_event_header.strip())
    state = request.app.state
    hub = hub_for(state)
    await run_in_threadpool(hub.start)
    hub.watch_signals()
    key = f"user:{viewer.user_id}" if viewer.user_id is not None else \
        f"anonymous:{request.client.host if request.client else ''}"
    try:
        stream = hub.open(viewer, interest, key)
    except TooMany as exc:
        raise TooManyStreams(f"Too many open live streams for this {exc.scope}"
                             f"{' (or distinct queries)' if query is not None and exc.scope == 'process' else ''}; "
                             "close one or retry later",
                             retry_after=30) from None
    except Closed:
        raise Unavailable("The server is shutting down") from None
    replay: list[Notice] | None = []
    if after is not None:
        try:
            replay = await run_in_threadpool(hub.replay, stream, after)
        except BaseException:
            hub.close(stream)
            raise
    return EventStream(hub, stream, replay, state.settings.live_heartbeat)
