"""Preview: outbound webhooks. A hook is a URL told of every story event of a project, a project group
or everything (superusers), signed with its secret; its delivery log and redelivery
(docs/notifications.md, "Webhooks")."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy.orm import Session

from storyline.api.common import JSON, IdPath, Paging, Responses, json_response, no_content, paginate, paging
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.schemas import DbId, In, Out
from storyline.webhooks import service
from storyline.webhooks.models import Webhook, WebhookDelivery

PREVIEW = "Preview: not yet stable; may change without notice."
router = Router(prefix="/webhooks", tags=["preview"])
HOOK_SORT = {c.key: c for c in Webhook.__table__.columns if c.key != "secret"}
DELIVERY_SORT = {c.key: c for c in WebhookDelivery.__table__.columns if c.key != "request_body"}


class WebhookIn(In):
    url: str = Field(max_length=service.MAX_URL, description="http:// or https:// URL that receives the POSTs")
    project_id: DbId | None = Field(None, description="A project's story events (or project_group_id; neither: "
                                    "every story event, superusers only)")
    project_group_id: DbId | None = None
    event_types: list[str] | None = Field(None, max_length=50, description="Event types sent; null: all")
    description: str | None = Field(None, max_length=255)
    active: bool = True


class WebhookUpdate(In):
    url: str | None = Field(None, max_length=service.MAX_URL)
    event_types: list[str] | None = Field(None, max_length=50)
    description: str | None = Field(None, max_length=255)
    active: bool | None = None


class WebhookOut(Out):
    id: int
    owner_id: int
    project_id: int | None
    project_group_id: int | None
    scope: str
    url: str
    description: str | None
    event_types: list[str] | None
    active: bool
    failures: int
    disabled_at: str | None
    disabled_reason: str | None
    created_at: str
    updated_at: str | None


class WebhookSecretOut(WebhookOut):
    secret: str = Field(description="The signing secret; shown only in this answer")


class DeliveryOut(Out):
    id: int
    hook_id: int
    guid: str
    event_id: int | None
    event_type: str
    story_id: int | None
    status: str
    attempts: int
    redeliveries: int
    response_code: int | None
    duration_ms: int | None
    error: str | None
    created_at: str
    attempted_at: str | None
    request_body: str


ONE: Responses = {200: {"model": WebhookOut}}
WITH_SECRET: Responses = {200: {"model": WebhookSecretOut}}


@router.get("", responses={200: {"model": list[WebhookOut]}}, summary="Webhooks (preview)",
            description=PREVIEW + " The caller's hooks (a superuser's: everyone's), optionally of one project, "
            "project group or owner.")
def list_hooks(project_id: int | None = Query(None), project_group_id: int | None = Query(None),
               owner_id: int | None = Query(None), p: Paging = Depends(paging), session: Session = SessionDep,
               viewer: Viewer = ViewerDep) -> JSON:
    stmt = service.hooks_select(viewer, project_id=project_id, project_group_id=project_group_id,
                                owner_id=owner_id)
    page = paginate(session, stmt, id_column=Webhook.id, sort_columns=HOOK_SORT, params=p)
    return json_response([service.hook_json(h) for h in page.rows], page.headers)


@router.post("", responses=WITH_SECRET, summary="Add a webhook (preview)",
             description=PREVIEW + " For a project: superusers and members of a team linked to it; for a project "
             "group: of a team linked to one of its projects; for everything: superusers. The answer carries the "
             "signing secret, shown only here (rotate it to get a new one).")
def create_hook(body: WebhookIn, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    hook, secret = service.do_create_hook(session, viewer, body.model_dump())
    return json_response(service.hook_json(hook, secret))


@router.get("/{hook_id}", responses=ONE, summary="A webhook (preview)",
            description=PREVIEW + " Its owner's and superusers' only (404 for anyone else).")
def get_hook(hook_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    return json_response(service.hook_json(service.get_hook(session, viewer, hook_id)))


@router.put("/{hook_id}", responses=ONE, summary="Change a webhook (preview)",
            description=PREVIEW + " URL, event types, description, on or off; turning a disabled hook on clears "
            "its failure count.")
def update_hook(hook_id: IdPath, body: WebhookUpdate, session: Session = SessionDep,
                viewer: Viewer = ViewerDep) -> JSON:
    return json_response(service.hook_json(service.do_update_hook(session, viewer, hook_id, body.changes())))


@router.delete("/{hook_id}", status_code=204, response_class=Response, summary="Delete a webhook (preview)",
               description=PREVIEW + " With its delivery log; deliveries still queued are dropped.")
def delete_hook(hook_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> Response:
    service.do_delete_hook(session, viewer, hook_id)
    return no_content()


@router.post("/{hook_id}/secret", responses=WITH_SECRET, summary="Rotate a webhook's secret (preview)",
             description=PREVIEW + " A new secret signs every delivery sent from now on (retries included); "
             "shown only in this answer.")
def rotate_secret(hook_id: IdPath, session: Session = SessionDep, viewer: Viewer = ViewerDep) -> JSON:
    hook, secret = service.do_rotate_secret(session, viewer, hook_id)
    return json_response(service.hook_json(hook, secret))


@router.get("/{hook_id}/deliveries", responses={200: {"model": list[DeliveryOut]}},
            summary="A webhook's delivery log (preview)",
            description=PREVIEW + " Each delivery: the request body, the last attempt's response code, duration, "
            "time and error. Only deliveries about stories the caller may see now.")
def list_deliveries(hook_id: IdPath, p: Paging = Depends(paging), session: Session = SessionDep,
                    viewer: Viewer = ViewerDep) -> JSON:
    hook = service.get_hook(session, viewer, hook_id)
    page = paginate(session, service.deliveries_select(viewer, hook.id), id_column=WebhookDelivery.id,
                    sort_columns=DELIVERY_SORT, params=p)
    return json_response([service.delivery_json(d) for d in page.rows], page.headers)


@router.post("/{hook_id}/deliveries/{delivery_id}/redeliver", responses={200: {"model": DeliveryOut}},
             summary="Send a logged delivery again (preview)",
             description=PREVIEW + " The same body with the same delivery id (X-Storyline-Delivery), signed with "
             "the current secret. 409 while it is still pending or the hook is off.")
def redeliver(hook_id: IdPath, delivery_id: IdPath, session: Session = SessionDep,
              viewer: Viewer = ViewerDep) -> JSON:
    return json_response(service.delivery_json(service.do_redeliver(session, viewer, hook_id, delivery_id)))


__all__: list[Any] = ["router"]
