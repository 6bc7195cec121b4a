"""Outbound webhooks: which hooks a story event goes to, its JSON body, and the signed HTTP request.

A story event reaches its hooks through the outbox, like the inbox and e-mail: the event's transaction
writes one outbox row (kind "inbox") when anyone follows the story or an active hook covers it
(`hooked`, one EXISTS); the delivery of that row (`queue_event_hooks`, in the local lane) writes one
`webhook_deliveries` row per hook whose scope covers the story, whose event filter takes the event and
whose owner may see the story, with the JSON body built then, and one external outbox row (kind
"webhook") per delivery. The sender (`send_webhook`, outside any write transaction) checks again that
the hook is on and that its owner may still see the story (the one visibility rule,
`authz.users_who_can_see_story`), then POSTs the stored body, signed with the hook's secret:

    X-Storyline-Signature-256: sha256=<hex HMAC-SHA256 of the body, keyed with the secret>
    X-Storyline-Event: <event type>        X-Storyline-Delivery: <the delivery's guid>

A retry, a redelivery, or a repetition after a crash (between the receiver's answer and the outbox
row's deletion) sends the same body with the same delivery id, so a receiver can skip what it has
already handled. A 2xx answer is a success; anything else (another status, no answer within
`webhook_timeout`, a refused connection) is a failure retried with the outbox's backoff. After
`webhook_max_failures` failed requests in a row the hook is disabled and its owner told (an inbox
entry `webhook_disabled`, and an e-mail when mail is configured).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

import httpx
from sqlalchemy import ColumnElement, Engine, bindparam, delete, exists, or_, select, true, update
from sqlalchemy.orm import Session, sessionmaker

from storyline import __version__, outbox
from storyline.authz import users_who_can_see_story
from storyline.config import Settings
from storyline.db import end_read, make_sessionmaker, session_scope, utcnow
from storyline.notifications.mail import MAILER, UNDELIVERABLE_DOMAINS, domain_of, from_address, mail_enabled, story_url
from storyline.projects.models import Project, ProjectGroupMember
from storyline.sqltools import ts
from storyline.stories.models import Story, Task, story_projects
from storyline.subscriptions.models import SubscriptionEvent
from storyline.users.models import User
from storyline.webhooks.models import Webhook, WebhookDelivery

log = logging.getLogger("storyline.webhooks")

SIGNATURE_HEADER = "X-Storyline-Signature-256"
EVENT_HEADER = "X-Storyline-Event"
DELIVERY_HEADER = "X-Storyline-Delivery"


def scope_filter(story_projects: Any, story_groups: Any) -> ColumnElement[bool]:
    """Hooks whose scope covers a story with tasks on `story_projects` (in the groups `story_groups`)."""
    return or_(Webhook.project_id.in_(story_projects), Webhook.project_group_id.in_(story_groups),
               Webhook.project_id.is_(None) & Webhook.project_group_id.is_(None))


def _story_scope(story_id: Any) -> tuple[Any, Any]:
    projects = story_projects(story_id)
    groups = select(ProjectGroupMember.project_group_id).where(ProjectGroupMember.project_id.in_(projects))
    return projects, groups


def hooked() -> ColumnElement[bool]:
    """An active hook covers the story of the bound parameter `story_id`: three EXISTS, each an index
    lookup (a hook for everything; one on a project of the story's tasks; one on a group of those
    projects). Nothing to read, and so next to nothing to pay, while no hook exists. (One EXISTS with
    IN-subqueries under an OR made SQLite build the lists each time: 20 times slower.)"""
    story_id: Any = bindparam("story_id")
    active = Webhook.active == true()
    projects = story_projects(story_id, "hooked_projects").subquery("hooked")  # a seek per project, not per task
    return or_(
        exists().where(active, Webhook.project_id.is_(None), Webhook.project_group_id.is_(None)),
        exists().where(Webhook.project_id == projects.c.project_id, active),
        exists().where(ProjectGroupMember.project_id == projects.c.project_id,
                       Webhook.project_group_id == ProjectGroupMember.project_group_id, active))


_HOOKED = select(hooked())


_HOOKS_OF_STORY = select(Webhook.id, Webhook.owner_id, Webhook.event_types).where(
    Webhook.active == true(), scope_filter(*_story_scope(bindparam("story_id")))).order_by(Webhook.id)


def queue_event_hooks(session: Session, values: dict[str, Any]) -> int:
    """In the transaction that delivers a story event (outbox kind "inbox"): a delivery and an external
    outbox row for each hook that takes it; the number queued."""
    story_id = values.get("story_id")
    if story_id is None or not session.connection().execute(_HOOKED, {"story_id": story_id}).scalar():
        return 0
    hooks = [(hid, owner) for hid, owner, types in session.execute(_HOOKS_OF_STORY, {"story_id": story_id})
             if types is None or values["event_type"] in json.loads(types)]
    if not hooks:
        return 0
    allowed = users_who_can_see_story(session, story_id, {owner for _, owner in hooks})
    hooks = [(hid, owner) for hid, owner in hooks if owner in allowed]
    body = event_body(session, session.info.get("settings"), values) if hooks else None
    if body is None:
        return 0
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    now = utcnow()
    rows = [WebhookDelivery(hook_id=hid, guid=str(uuid.uuid4()), event_id=values.get("event_id"),
                            event_type=values["event_type"], story_id=story_id, request_body=text,
                            status="pending", attempts=0, redeliveries=0, created_at=now) for hid, _ in hooks]
    session.add_all(rows)
    session.flush()
    outbox.enqueue_many(session, "webhook", [{"delivery": row.id} for row in rows])
    return len(rows)


def event_body(session: Session, settings: Settings | None, values: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON a hook receives for a story event (None if the story is gone)."""
    story_id = values["story_id"]
    story = session.get(Story, story_id)
    if story is None:
        return None
    base = settings.public_url if settings is not None else ""
    info = json.loads(values["event_info"]) if values.get("event_info") else None
    projects = session.execute(select(Project.id, Project.name).join(Task, Task.project_id == Project.id)
                               .where(Task.story_id == story_id).distinct().order_by(Project.name)).all()
    task_json: dict[str, Any] | None = None
    if values.get("task_id") is not None:
        task = session.get(Task, values["task_id"])
        task_json = {"id": values["task_id"], "title": task.title if task else (info or {}).get("task_title"),
                     "status": task.status if task else None, "project_id": task.project_id if task else None,
                     "priority": task.priority if task else None, "assignee_id": task.assignee_id if task else None,
                     "deleted": task is None}
    author = session.get(User, values["author_id"]) if values.get("author_id") is not None else None
    created = dt.datetime.fromisoformat(values["created_at"])
    return {
        "event": {"id": values.get("event_id"), "type": values["event_type"], "created_at": ts(created),
                  "info": info},
        "story": {"id": story.id, "title": story.title, "status": story.status, "private": story.private,
                  "created_at": ts(story.created_at), "updated_at": ts(story.updated_at),
                  "url": story_url(settings, story.id) if settings is not None else f"/#!/story/{story.id}"},
        "task": task_json,
        "author": {"id": author.id, "full_name": author.full_name} if author is not None else None,
        "projects": [{"id": pid, "name": name} for pid, name in projects],
        "storyline": {"url": base},
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# ---- sending (the external lane) --------------------------------------------------------------------

class DeliveryFailed(Exception):
    """The receiver did not take the delivery (tried again with the outbox's backoff)."""


@dataclass
class Outcome:
    status: int | None
    duration_ms: int
    error: str | None


_client: httpx.Client | None = None
_client_lock = threading.Lock()


def _http() -> httpx.Client:
    global _client
    with _client_lock:
        if _client is None:
            _client = httpx.Client(follow_redirects=False, headers={"User-Agent": f"Storyline-Webhooks/{__version__}"})
        return _client


def post(url: str, secret: str, guid: str, event_type: str, body: str, hook_id: int, timeout: float) -> Outcome:
    data = body.encode()
    headers = {"Content-Type": "application/json", EVENT_HEADER: event_type, DELIVERY_HEADER: guid,
               "X-Storyline-Hook-Id": str(hook_id), SIGNATURE_HEADER: signature(secret, data)}
    start = time.monotonic()
    try:
        with _http().stream("POST", url, content=data, headers=headers, timeout=timeout) as response:
            code = response.status_code
            excerpt = b""
            if not 200 <= code < 300:
                for chunk in response.iter_bytes():
                    excerpt += chunk
                    if len(excerpt) >= 300:
                        break
    except httpx.HTTPError as exc:
        return Outcome(None, int((time.monotonic() - start) * 1000), f"{type(exc).__name__}: {exc}"[:500])
    duration = int((time.monotonic() - start) * 1000)
    if 200 <= code < 300:
        return Outcome(code, duration, None)
    text = excerpt[:300].decode("utf-8", "replace").strip()
    return Outcome(code, duration, f"HTTP {code}" + (f": {text}" if text else ""))


@functools.lru_cache(maxsize=8)
def _writer(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine, write=True)


def send_webhook(session: Session, payload: dict[str, Any]) -> None:
    """The outbox's handler of kind "webhook" (external lane): a delivery, or a notice e-mail."""
    settings: Settings | None = session.info.get("settings")
    if payload.get("type") == "notice":
        _send_notice(session, settings, payload)
        return
    writer = _writer(session.get_bind())
    row = session.get(WebhookDelivery, payload["delivery"])
    hook = session.get(Webhook, row.hook_id) if row is not None else None
    if row is None or hook is None:
        return  # the hook was deleted meanwhile
    row_id, hook_id = row.id, hook.id
    if not hook.active:
        end_read(session)
        with session_scope(writer) as w:
            w.execute(update(WebhookDelivery).where(WebhookDelivery.id == row_id, WebhookDelivery.status == "pending")
                      .values(status="cancelled", error="the hook is disabled"))
        return
    if row.story_id is not None and not users_who_can_see_story(session, row.story_id, {hook.owner_id}):
        end_read(session)  # its owner may no longer see the story: nothing is sent, nor logged
        with session_scope(writer) as w:
            w.execute(delete(WebhookDelivery).where(WebhookDelivery.id == row_id))
        return
    request = (hook.url, hook.secret, row.guid, row.event_type, row.request_body, hook_id)
    end_read(session)  # no read transaction stays open during the request
    outcome = post(*request, timeout=settings.webhook_timeout if settings is not None else 5.0)
    disabled = _record(writer, row_id, hook_id, outcome, settings)
    if outcome.error is not None and not disabled:
        raise DeliveryFailed(f"webhook {hook_id} delivery {request[2]}: {outcome.error}")


def _record(writer: sessionmaker[Session], row_id: int, hook_id: int, outcome: Outcome,
            settings: Settings | None) -> bool:
    """The attempt in the log and in the hook's failure count; True if this failure disabled the hook."""
    now = utcnow()
    ok = outcome.error is None
    disabled = False
    with session_scope(writer) as w:
        row = w.get(WebhookDelivery, row_id)
        if row is None:
            return False
        row.attempts += 1
        row.attempted_at = now
        row.response_code, row.duration_ms, row.error = outcome.status, outcome.duration_ms, outcome.error
        if ok:
            row.status = "delivered"
            w.execute(update(Webhook).where(Webhook.id == hook_id, Webhook.failures != 0).values(failures=0))
            return False
        row.status = "failed" if row.attempts >= outbox.Policy.max_attempts else "pending"
        failures = w.execute(update(Webhook).where(Webhook.id == hook_id).values(failures=Webhook.failures + 1)
                             .returning(Webhook.failures)).scalar()
        limit = settings.webhook_max_failures if settings is not None else 40
        if failures is not None and failures >= limit:
            reason = f"{failures} failed requests in a row; the last: {outcome.error}"[:1000]
            disabled = bool(w.execute(update(Webhook).where(Webhook.id == hook_id, Webhook.active == true())
                                      .values(active=False, disabled_at=now, disabled_reason=reason)
                                      ).rowcount)  # type: ignore[attr-defined]
            if disabled:
                row.status = "failed"
                _tell_owner(w, settings, hook_id, failures, outcome.error or "", now)
    if disabled:
        log.warning("webhook %s disabled after %s failed requests in a row", hook_id, failures)
        outbox.wake()
    return disabled


def _tell_owner(session: Session, settings: Settings | None, hook_id: int, failures: int, error: str,
                now: dt.datetime) -> None:
    hook = session.get(Webhook, hook_id)
    assert hook is not None
    info = {"webhook_id": hook.id, "url": hook.url, "failures": failures, "last_error": error[:500]}
    session.add(SubscriptionEvent(subscriber_id=hook.owner_id, author_id=None, event_type="webhook_disabled",
                                  story_id=None, event_info=json.dumps(info), created_at=now, updated_at=now))
    if mail_enabled(settings):
        outbox.enqueue(session, "webhook", {"type": "notice", "hook_id": hook.id, "user_id": hook.owner_id,
                                            "disabled_at": now.isoformat()})


def _send_notice(session: Session, settings: Settings | None, payload: dict[str, Any]) -> None:
    """The e-mail telling a hook's owner that it was disabled."""
    if not mail_enabled(settings):
        return
    assert settings is not None
    hook = session.get(Webhook, payload["hook_id"])
    owner = session.get(User, payload["user_id"])
    end_read(session)
    if hook is None or owner is None or not owner.email or owner.email.endswith(UNDELIVERABLE_DOMAINS):
        return
    domain = domain_of(settings)
    msg = EmailMessage()
    msg["From"] = from_address(settings)
    msg["To"] = formataddr((owner.full_name, owner.email))
    msg["Subject"] = f"Your webhook {hook.id} was disabled"
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    stamp = payload["disabled_at"].replace(":", "").replace("-", "").replace(".", "")
    msg["Message-ID"] = f"<webhook-{hook.id}.disabled-{stamp}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Storyline-Webhook"] = str(hook.id)
    msg.set_content(
        f"Storyline stopped calling your webhook {hook.id} ({hook.url}):\n\n  {hook.disabled_reason}\n\n"
        f"Its delivery log and the switch to turn it on again: {settings.public_url}/webhooks\n")
    MAILER.send(settings, msg)


outbox.EXTERNAL["webhook"] = send_webhook

__all__ = ["DELIVERY_HEADER", "EVENT_HEADER", "SIGNATURE_HEADER", "DeliveryFailed", "event_body", "hooked",
           "post", "queue_event_hooks", "scope_filter", "send_webhook", "signature"]
