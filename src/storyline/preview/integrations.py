"""Preview: code review integration. Webhook receivers for Gerrit (the webhooks plugin), GitHub and
GitLab, and the changes linked to a story or a task (docs/integrations.md)."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from storyline.api.admission import machine
from storyline.api.common import JSON, Responses, json_response
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer, get_story
from storyline.integrations import events, receive
from storyline.integrations.queries import linked_changes
from storyline.integrations.sources import authenticate
from storyline.schemas import Out
from storyline.stories import queries

PREVIEW = "Preview: not yet stable; may change without notice."
router = Router(tags=["preview"])


class HookOut(Out):
    status: str  # accepted | duplicate | ignored


class LinkedChangeOut(Out):
    id: int
    story_id: int
    task_id: int | None
    relation: str
    source: str
    kind: str
    repository: str
    number: int | None
    key: str
    title: str
    url: str | None
    branch: str | None
    state: str
    wip: bool
    patchset: int | None
    owner_name: str | None
    owner_username: str | None
    votes: dict[str, dict[str, int]]
    ci: str | None
    updated_at: str | None


HOOK: Responses = {200: {"model": HookOut}, 401: {"description": "Unknown source, wrong secret or signature"}}
LIST: Responses = {200: {"model": list[LinkedChangeOut]}}
EVENT_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "additionalProperties": True}}}}}
ANSWER = (" Answers at once: the delivery is recorded (a redelivery answers `duplicate` and changes nothing) "
          "and its work queued; `ignored` for events with nothing to do. 401 with nothing changed for an unknown "
          "source or a wrong secret; 400 naming the problem for a body that is not a JSON event.")


async def raw_body(request: Request) -> bytes:
    """The body as sent: signatures are over these bytes."""
    return await request.body()


@router.post("/hooks/gerrit/{source}/{secret}", responses=HOOK, openapi_extra=EVENT_BODY,
             summary="Receive a Gerrit event from the webhooks plugin (preview)",
             description=PREVIEW + " The URL `storyline integrations add-gerrit` printed (the secret is its last "
             "segment); `X-Origin-Url` must be the source's Gerrit." + ANSWER)
@machine  # answered after people's requests (api/admission.py)
def gerrit_hook(source: str, secret: str, request: Request, body: bytes = Depends(raw_body),
                session: Session = SessionDep) -> JSON:
    src = authenticate(session, "gerrit", source, secret=secret, origin=request.headers.get("x-origin-url"))
    event, key = events.gerrit(events.loads(body), body)
    return json_response({"status": receive.accept(session, src, key, event)})


@router.post("/hooks/github/{source}", responses=HOOK, openapi_extra=EVENT_BODY,
             summary="Receive a GitHub webhook delivery (preview)",
             description=PREVIEW + " Verified by `X-Hub-Signature-256` (HMAC-SHA256 of the body with the source's "
             "secret); deduplicated on `X-GitHub-Delivery`." + ANSWER)
@machine  # answered after people's requests (api/admission.py)
def github_hook(source: str, request: Request, body: bytes = Depends(raw_body),
                session: Session = SessionDep) -> JSON:
    h = request.headers
    src = authenticate(session, "github", source, body=body, signature=h.get("x-hub-signature-256"))
    event, key = events.github(h.get("x-github-event"), h.get("x-github-delivery"), events.loads(body), body)
    return json_response({"status": receive.accept(session, src, key, event)})


@router.post("/hooks/gitlab/{source}", responses=HOOK, openapi_extra=EVENT_BODY,
             summary="Receive a GitLab webhook delivery (preview)",
             description=PREVIEW + " Verified by `X-Gitlab-Token`; deduplicated on `Idempotency-Key` (or "
             "`X-Gitlab-Event-UUID`, or the body)." + ANSWER)
@machine  # answered after people's requests (api/admission.py)
def gitlab_hook(source: str, request: Request, body: bytes = Depends(raw_body),
                session: Session = SessionDep) -> JSON:
    h = request.headers
    src = authenticate(session, "gitlab", source, secret=h.get("x-gitlab-token"))
    event, key = events.gitlab(h.get("x-gitlab-event"), h.get("idempotency-key") or h.get("x-gitlab-event-uuid"),
                               events.loads(body), body)
    return json_response({"status": receive.accept(session, src, key, event)})


@router.get("/stories/{story_id}/changes", responses=LIST,
            summary="Code review changes linked to a story (preview)",
            description=PREVIEW + " Gerrit changes, pull and merge requests and pushed commits whose messages refer "
            "to the story or its tasks: state, branch, owner, votes, CI result and link; `task_id` is null for a "
            "reference to the story that named none of its tasks.")
def story_changes(story_id: int, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    story = get_story(session, viewer, story_id)
    return json_response(linked_changes(session, story_id=story.id))


@router.get("/tasks/{task_id}/changes", responses=LIST,
            summary="Code review changes linked to a task (preview)", description=PREVIEW)
def task_changes(task_id: int, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    task = queries.get_task(session, viewer, task_id)
    return json_response(linked_changes(session, story_id=task.story_id, task_id=task.id))
