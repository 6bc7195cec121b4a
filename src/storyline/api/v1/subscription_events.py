"""/v1/subscription_events: the notification inbox."""

from __future__ import annotations

from fastapi import Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storyline.api.common import (
    JSON,
    IdPath,
    Paging,
    Responses,
    json_response,
    list_param,
    no_content,
    paginate,
    paging,
)
from storyline.api.deps import InboxDelivered, SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.schemas import DbId
from storyline.subscriptions import queries, service
from storyline.subscriptions.models import SubscriptionEvent
from storyline.subscriptions.schemas import SubscriptionEventOut

router = Router(prefix="/subscription_events", tags=["subscription events"])

LIST: Responses = {200: {"model": list[SubscriptionEventOut]}}
ONE: Responses = {200: {"model": SubscriptionEventOut}}


@router.get("", responses=LIST)
def list_subscription_events(
    request: Request,
    event_type: list[str] = Query([], description="Any of these event types"),
    subscriber_id: DbId | None = Query(None, description="The caller by default; others: superusers only"),
    p: Paging = Depends(paging),
    _delivered: None = InboxDelivered,
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    stmt = queries.events_query(viewer, subscriber_id=subscriber_id,
                                event_types=list_param(request, "event_type"))
    cap = request.app.state.settings.max_page_size
    page = paginate(session, stmt, id_column=SubscriptionEvent.id, sort_columns=queries.EVENT_SORT,
                    params=p, cap=cap)
    return json_response([queries.event_json(e) for e in page.rows], page.headers)


@router.get("/{event_id}", responses=ONE)
def get_subscription_event(event_id: IdPath, _delivered: None = InboxDelivered, session: Session = SessionDep,
                           viewer: Viewer = ViewerDep) -> JSON:
    """Owner or superuser."""
    return json_response(queries.event_json(queries.get_event(session, viewer, event_id)))


@router.delete("/{event_id}", status_code=204, response_class=Response)
def delete_subscription_event(event_id: IdPath, _delivered: None = InboxDelivered,
                              session: Session = SessionDep, viewer: Viewer = ViewerDep) -> Response:
    """Owner or superuser."""
    service.do_delete_event(session, viewer, event_id)
    return no_content()
