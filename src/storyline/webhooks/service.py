"""Outbound webhooks: who may add one, and the writes on hooks and their delivery log.

Who may add a hook (and so receive a project's events at a URL of their choosing):
- for everything (no project, no group): superusers only;
- for a project: superusers and the members of a team linked to the project (`/v1/teams/{id}/projects`),
  the rule that decides who may start a project's priority list;
- for a project group: superusers and the members of a team linked to one of the group's projects.

A hook belongs to its creator (the owner). Its owner and superusers may read, change, disable and
delete it; anyone else gets 404 (a hook's URL and secret are its owner's). The rights are checked
when the hook is added; what it is sent is decided at each delivery by its owner's right to see each
story (delivery.py). The delivery log shows a delivery only to a reader who may see its story now.
Services flush; the caller's transaction commits.
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, literal, select, true
from sqlalchemy.orm import Session

from storyline import outbox
from storyline.authz import Viewer, require_user, story_id_visible
from storyline.db import utcnow
from storyline.errors import Conflict, Forbidden, NotFound, ValidationFailed
from storyline.projects.models import Project, ProjectGroup, ProjectGroupMember
from storyline.sqltools import ts
from storyline.timeline.types import ATTACHMENT_EVENT_TYPES, SECURITY_EVENT_TYPES, STORY_EVENT_TYPES
from storyline.users.models import TeamMember, TeamProject
from storyline.webhooks.models import Webhook, WebhookDelivery

# The story events a hook may ask for (every one when it names none).
HOOK_EVENT_TYPES = STORY_EVENT_TYPES + SECURITY_EVENT_TYPES + ATTACHMENT_EVENT_TYPES
MAX_URL = 2000


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def check_url(url: str, field: str = "url") -> str:
    """An absolute http(s) URL with a host, no credentials and no fragment."""
    url = url.strip()
    if len(url) > MAX_URL:
        raise ValidationFailed(field, f"{field} is longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError as exc:
        raise ValidationFailed(field, f"{field} is not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(field, f"{field} must be an http:// or https:// URL with a host name")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed(field, f"{field} must not carry a user name or password")
    if parts.fragment or not port_ok or any(c.isspace() for c in url):
        raise ValidationFailed(field, f"{field} must not have a fragment, spaces or a bad port")
    return url


def check_event_types(value: list[str] | None) -> str | None:
    """The stored form of an event-type filter (None: every event)."""
    if value is None:
        return None
    unknown = [t for t in value if t not in HOOK_EVENT_TYPES]
    if unknown:
        raise ValidationFailed("event_types", f"unknown event type {unknown[0]!r}; one of "
                               + ", ".join(HOOK_EVENT_TYPES))
    if not value:
        raise ValidationFailed("event_types", "event_types must name at least one event type (null: all)")
    return json.dumps(sorted(set(value)))


def may_manage_scope(session: Session, viewer: Viewer, project_id: int | None, group_id: int | None) -> bool:
    if viewer.is_superuser:
        return True
    if project_id is None and group_id is None:
        return False
    if project_id is not None:
        projects: Any = select(literal(project_id))
    else:
        projects = select(ProjectGroupMember.project_id).where(ProjectGroupMember.project_group_id == group_id)
    teams = select(TeamProject.team_id).where(TeamProject.project_id.in_(projects))
    return session.execute(select(TeamMember.user_id).where(
        TeamMember.user_id == viewer.user_id, TeamMember.team_id.in_(teams)).limit(1)).first() is not None


def do_create_hook(session: Session, viewer: Viewer, data: dict[str, Any], *,
                   owner_id: int | None = None) -> tuple[Webhook, str]:
    """A new hook owned by the viewer (or by `owner_id`, from the command line); (hook, secret)."""
    uid = require_user(viewer)
    project_id, group_id = data.get("project_id"), data.get("project_group_id")
    if project_id is not None and group_id is not None:
        raise ValidationFailed("project_group_id", "give at most one of project_id and project_group_id")
    url = check_url(str(data.get("url") or ""))
    event_types = check_event_types(data.get("event_types"))
    if project_id is not None and session.get(Project, project_id) is None:
        raise ValidationFailed("project_id", f"Project {project_id} not found")
    if group_id is not None and session.get(ProjectGroup, group_id) is None:
        raise ValidationFailed("project_group_id", f"Project group {group_id} not found")
    if not may_manage_scope(session, viewer, project_id, group_id):
        if project_id is None and group_id is None:
            raise Forbidden("Only superusers may add a hook for every project")
        raise Forbidden("Only superusers and members of a team linked to the project may add its hooks")
    secret = new_secret()
    hook = Webhook(owner_id=owner_id if owner_id is not None else uid, project_id=project_id,
                   project_group_id=group_id, url=url, description=data.get("description"), secret=secret,
                   event_types=event_types, active=bool(data.get("active", True)), failures=0,
                   created_at=utcnow())
    session.add(hook)
    session.flush()
    return hook, secret


def _mine(viewer: Viewer) -> ColumnElement[bool]:
    return true() if viewer.is_superuser else Webhook.owner_id == viewer.user_id


def get_hook(session: Session, viewer: Viewer, hook_id: int) -> Webhook:
    """The hook if the viewer owns it or is a superuser; 404 otherwise (missing and foreign alike)."""
    require_user(viewer)
    hook = session.execute(select(Webhook).where(Webhook.id == hook_id, _mine(viewer))).scalar_one_or_none()
    if hook is None:
        raise NotFound(f"Webhook {hook_id} not found")
    return hook


def hooks_select(viewer: Viewer, *, project_id: int | None = None, project_group_id: int | None = None,
                 owner_id: int | None = None) -> Select[Any]:
    require_user(viewer)
    stmt = select(Webhook).where(_mine(viewer))
    if project_id is not None:
        stmt = stmt.where(Webhook.project_id == project_id)
    if project_group_id is not None:
        stmt = stmt.where(Webhook.project_group_id == project_group_id)
    if owner_id is not None:
        stmt = stmt.where(Webhook.owner_id == owner_id)
    return stmt


def do_update_hook(session: Session, viewer: Viewer, hook_id: int, changes: dict[str, Any]) -> Webhook:
    """Change the URL, description, event types or state; turning a disabled hook on clears its failures."""
    hook = get_hook(session, viewer, hook_id)
    if "url" in changes:
        if changes["url"] is None:
            raise ValidationFailed("url", "url may not be null")
        hook.url = check_url(changes["url"])
    if "description" in changes:
        hook.description = changes["description"]
    if "event_types" in changes:
        hook.event_types = check_event_types(changes["event_types"])
    if "active" in changes:
        active = changes["active"]
        if active is None:
            raise ValidationFailed("active", "active may not be null")
        if active and not hook.active:
            hook.failures, hook.disabled_at, hook.disabled_reason = 0, None, None
        elif not active and hook.active:
            hook.disabled_at, hook.disabled_reason = utcnow(), "turned off by a person"
        hook.active = bool(active)
    hook.updated_at = utcnow()
    session.flush()
    return hook


def do_delete_hook(session: Session, viewer: Viewer, hook_id: int) -> None:
    session.delete(get_hook(session, viewer, hook_id))
    session.flush()


def do_rotate_secret(session: Session, viewer: Viewer, hook_id: int) -> tuple[Webhook, str]:
    """A new secret (the old one stops signing at once); returned once."""
    hook = get_hook(session, viewer, hook_id)
    hook.secret = new_secret()
    hook.updated_at = utcnow()
    session.flush()
    return hook, hook.secret


def deliveries_select(viewer: Viewer, hook_id: int) -> Select[Any]:
    """The hook's deliveries the viewer may see: those about a story they may see now."""
    return select(WebhookDelivery).where(WebhookDelivery.hook_id == hook_id,
                                         story_id_visible(viewer, WebhookDelivery.story_id))


def do_redeliver(session: Session, viewer: Viewer, hook_id: int, delivery_id: int) -> WebhookDelivery:
    """Send a logged delivery again, as it was (same body, same delivery id)."""
    hook = get_hook(session, viewer, hook_id)
    row: WebhookDelivery | None = session.execute(
        deliveries_select(viewer, hook.id).where(WebhookDelivery.id == delivery_id)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"Delivery {delivery_id} not found")
    if row.status == "pending":
        raise Conflict(f"Delivery {delivery_id} is still pending: it will be tried again by itself")
    if not hook.active:
        raise Conflict(f"Webhook {hook.id} is disabled: turn it on first")
    row.status, row.attempts, row.error = "pending", 0, None
    row.redeliveries += 1
    outbox.enqueue(session, "webhook", {"delivery": row.id})
    session.flush()
    return row


def hook_json(hook: Webhook, secret: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": hook.id, "owner_id": hook.owner_id, "project_id": hook.project_id,
        "project_group_id": hook.project_group_id,
        "scope": "project" if hook.project_id is not None else "project_group" if hook.project_group_id is not None
        else "all",
        "url": hook.url, "description": hook.description,
        "event_types": json.loads(hook.event_types) if hook.event_types is not None else None,
        "active": hook.active, "failures": hook.failures, "disabled_at": ts(hook.disabled_at),
        "disabled_reason": hook.disabled_reason, "created_at": ts(hook.created_at), "updated_at": ts(hook.updated_at),
    }
    if secret is not None:
        out["secret"] = secret
    return out


def delivery_json(row: WebhookDelivery) -> dict[str, Any]:
    return {"id": row.id, "hook_id": row.hook_id, "guid": row.guid, "event_id": row.event_id,
            "event_type": row.event_type, "story_id": row.story_id, "status": row.status, "attempts": row.attempts,
            "redeliveries": row.redeliveries, "response_code": row.response_code, "duration_ms": row.duration_ms,
            "error": row.error, "created_at": ts(row.created_at), "attempted_at": ts(row.attempted_at),
            "request_body": row.request_body}


__all__ = ["HOOK_EVENT_TYPES", "check_url", "deliveries_select", "delivery_json", "do_create_hook",
           "do_delete_hook", "do_redeliver", "do_rotate_secret", "do_update_hook", "get_hook", "hook_json",
           "hooks_select", "may_manage_scope"]
