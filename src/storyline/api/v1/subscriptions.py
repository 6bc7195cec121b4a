"""/v1/subscriptions"""

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
from storyline.api.deps import SessionDep, ViewerDep
from storyline.api.routing import Router
from storyline.authz import Viewer
from storyline.schemas import DbId
from storyline.subscriptions import queries, service
from storyline.subscriptions.models import TARGET_TYPES, Subscription
from storyline.subscriptions.schemas import SubscriptionIn, SubscriptionOut

router = Router(prefix="/subscriptions", tags=["subscriptions"])

LIST: Responses = {200: {"model": list[SubscriptionOut]}}
ONE: Responses = {200: {"model": SubscriptionOut}}
TARGET_TYPES_HELP = f"Any of {', '.join(TARGET_TYPES)}"


@router.get("", responses=LIST)
def list_subscriptions(
    request: Request,
    target_type: list[str] = Query([], description=TARGET_TYPES_HELP),
    target_id: DbId | None = None,
    user_id: DbId | None = Query(None, description="Superusers only; others always get their own"),
    p: Paging = Depends(paging),
    session: Session = SessionDep,
    viewer: Viewer = ViewerDep,
) -> JSON:
    stmt = queries.subscriptions_query(viewer, user_id=user_id, target_types=list_param(request, "target_type"),
                                       target_id=target_id)
    cap = request.app.state.settings.max_page_size
    page = paginate(session, stmt, id_column=Subscription.id, sort_columns=queries.SUBSCRIPTION_SORT,
                    params=p, cap=cap)
    return json_response([queries.subscription_json(s) for s in page.rows], page.headers)


@router.get("/{subscription_id}", responses=ONE)
def get_subscription(subscription_id: IdPath, session: Session = SessionDep,
                     viewer: Viewer = ViewerDep) -> JSON:
    """Owner or superuser."""
    sub = queries.get_subscription(session, viewer, subscription_id)
    return json_response(queries.subscription_json(sub))


@router.post("", responses=ONE)
def create_subscription(body: SubscriptionIn, session: Session = SessionDep,
                        viewer: Viewer = ViewerDep) -> JSON:
    """Subscribe yourself (superusers: anyone) to a target that exists and that you may see."""
    return json_response(queries.subscription_json(service.do_subscribe(session, viewer, body.model_dump())))


@router.delete("/{subscription_id}", status_code=204, response_class=Response)
def delete_subscription(subscription_id: IdPath, session: Session = SessionDep,
                        viewer: Viewer = ViewerDep) -> Response:
    """Owner or superuser."""
    service.do_unsubscribe(session, viewer, subscription_id)
    return no_content()
