"""Notification e-mail: built when it is sent, from what the recipient may see then, and sent over SMTP.

Each e-mail is an outbox row of the external lane (kind "email"), written when a story event is
delivered to its followers' inboxes (`queue_event_mail`) or when a digest falls due (digest.py). The
sender (`send_email`, outside any write transaction) checks everything again at that moment: the
recipient still wants this mail, still follows the story, and may still see it (the one visibility
rule, `authz.users_who_can_see_story`). Someone taken off a private story's list in between gets
nothing.

Threading: every mail about story N refers to `<story-N@domain>` (In-Reply-To, References), so mail
clients keep one thread per story. A message's Message-ID is made of the event and the recipient: sent
twice (a crash between SMTP's acceptance and the outbox row's deletion) it is the same message, which
the receiver recognises.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import smtplib
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any
from urllib.parse import urlsplit

import jinja2
from sqlalchemy import Integer, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from storyline import outbox, signing
from storyline.authz import users_who_can_see_story
from storyline.config import Settings
from storyline.db import end_read
from storyline.markup import render_markdown
from storyline.notifications.preferences import choices
from storyline.notifications.sentences import event_sentence, planning_sentence
from storyline.projects.models import Project, ProjectGroupMember
from storyline.stories.models import Story, Task
from storyline.subscriptions.models import Subscription
from storyline.users.models import User

log = logging.getLogger("storyline.notifications")

# Imported accounts without a known address get one under this domain (importers): never mailed.
UNDELIVERABLE_DOMAINS = (".invalid",)


def mail_enabled(settings: Settings | None) -> bool:
    return bool(settings is not None and settings.smtp_host and settings.enable_notifications)


def queue_event_mail(session: Session, values: dict[str, Any], recipients: list[int]) -> None:
    """In the transaction that delivered a story event to these inboxes: one outbox row per recipient
    who wants this event by e-mail now (digest readers get it in their digest)."""
    settings = session.info.get("settings")
    if not recipients or not mail_enabled(settings):
        return
    event_type = values["event_type"]
    mentioned = set(values.get("mentioned") or ())
    wanted = [uid for uid, choice in choices(session, recipients).items() if choice.wants(event_type)]
    outbox.enqueue_many(session, "email", [
        {"type": "event", "user_id": uid, "event_id": values.get("event_id"), "story_id": values["story_id"],
         "task_id": values.get("task_id"), "event_type": event_type, "event_info": values.get("event_info"),
         "author_id": values.get("author_id"), "created_at": values["created_at"],
         "mentioned": uid in mentioned}
        for uid in wanted])


def queue_planning_mail(session: Session, event: Any, recipients: list[int], *, worklist_id: int | None = None,
                        board_id: int | None = None, story_id: int | None = None) -> None:
    """In a worklist or board event's own transaction (its inbox rows are written there too): the e-mails
    of its followers who want one now. A board's lane is a worklist: its events concern the board too."""
    settings = session.info.get("settings")
    if not recipients or not mail_enabled(settings):
        return
    wanted = [uid for uid, choice in choices(session, recipients).items() if choice.wants(event.event_type)]
    outbox.enqueue_many(session, "email", [
        {"type": "planning", "user_id": uid, "event_id": event.id, "worklist_id": worklist_id, "board_id": board_id,
         "story_id": story_id, "event_type": event.event_type, "event_info": event.event_info,
         "author_id": event.author_id}
        for uid in wanted])


# ---- what the recipient is told ------------------------------------------------------------------

@dataclass
class Context:
    settings: Settings
    domain: str
    base_url: str
    recipient: User
    reason: tuple[str, int] | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)


def domain_of(settings: Settings) -> str:
    return urlsplit(settings.public_url).hostname or "localhost"


def story_url(settings: Settings, story_id: int) -> str:
    return f"{settings.public_url}/#!/story/{story_id}"


def _names(session: Session, user_ids: set[int | None]) -> dict[int, str]:
    ids = sorted(i for i in user_ids if i is not None)
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all()) if ids else {}


REASON_LABELS = {
    "story": "you follow this story",
    "task": "you follow a task of this story",
    "project": "you follow the project {name}",
    "project_group": "you follow the project group {name}",
}


def _reasons() -> Any:
    uid, sid, tid = (bindparam(n, type_=Integer) for n in ("uid", "sid", "tid"))
    project_ids = select(Task.project_id).where(Task.story_id == sid).distinct()
    group_ids = select(ProjectGroupMember.project_group_id).where(ProjectGroupMember.project_id.in_(project_ids))
    return select(Subscription.target_type, Subscription.target_id).where(
        Subscription.user_id == uid,
        or_(and_(Subscription.target_type == "story", Subscription.target_id == sid),
            and_(Subscription.target_type == "task", Subscription.target_id == tid),
            and_(Subscription.target_type == "project", Subscription.target_id.in_(project_ids)),
            and_(Subscription.target_type == "project_group", Subscription.target_id.in_(group_ids))))


_REASONS = _reasons()
_REASON_ORDER = {"story": 0, "task": 1, "project": 2, "project_group": 3}


def following_reason(session: Session, user_id: int, story_id: int, task_id: int | None) -> tuple[str, int] | None:
    """The subscription through which the user follows the story (story, task, project, group), or None."""
    rows = session.execute(_REASONS, {"uid": user_id, "sid": story_id, "tid": task_id or -1}).all()
    return min(((t, i) for t, i in rows), key=lambda r: _REASON_ORDER[r[0]], default=None)


def describe(session: Session, payload: dict[str, Any]) -> tuple[str, str | None]:
    """One line saying what happened, and the markdown text that goes with it (a comment, a description)."""
    info: dict[str, Any] = json.loads(payload["event_info"]) if payload.get("event_info") else {}
    etype = payload["event_type"]
    names = _names(session, {payload.get("author_id"), info.get("old_assignee_id"), info.get("new_assignee_id")})
    who = names.get(payload.get("author_id") or 0, "Someone")
    text: str | None = None
    if etype == "user_comment":
        text = info.get("comment_content")
    elif etype == "story_created":
        story = session.get(Story, payload["story_id"])
        text = story.description if story is not None else None
    return event_sentence(etype, info, who, names), text


@functools.cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("storyline.notifications", "templates"),
                              autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True,
                              lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def render(name: str, **values: Any) -> tuple[str, str]:
    env = _templates()
    return env.get_template(f"{name}.txt").render(**values), env.get_template(f"{name}.html").render(**values)


def _projects(session: Session, story_id: int) -> list[str]:
    return list(session.execute(select(Project.name).join(Task, Task.project_id == Project.id)
                                .where(Task.story_id == story_id).distinct().order_by(Project.name)).scalars())


def subject_of(story: Story | StoryPart) -> str:
    """A private story's title never goes into a subject line (mail travels and is listed in the clear)."""
    return f"[Story {story.id}] " + ("(private story)" if story.private else story.title)


def unsubscribe_url(session: Session, settings: Settings, user_id: int, reason: tuple[str, int]) -> str:
    token = signing.sign(session, "unsubscribe", f"{user_id}.{reason[0]}.{reason[1]}")
    return f"{settings.public_url}/v1/notifications/unsubscribe/{token}"


def reply_address(session: Session, settings: Settings, user_id: int, story_id: int) -> str | None:
    if not settings.mail_reply_domain:
        return None
    token = signing.sign(session, "reply", f"{story_id}.{user_id}", ttl=settings.mail_reply_days * 86400)
    return f"reply+{token}@{settings.mail_reply_domain}"


def from_address(settings: Settings) -> str:
    return settings.mail_from or formataddr(("Storyline", f"storyline@{domain_of(settings)}"))


# Text parts in quoted-printable (readable in the raw message, 7-bit safe). The message is built with
# the email package's compat32 classes: its newer header objects cost several milliseconds per message.
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP
_UTF8.header_encoding = QP
# Headers are not folded below RFC 5322's line limit: a folded List-Unsubscribe URL would begin with a space.
_POLICY = compat32.clone(max_line_length=998)


def _header(value: str) -> str:
    """A header value; non-ASCII text encoded as RFC 2047 words."""
    return value if value.isascii() else Header(value, _UTF8).encode()


def _message(session: Session, settings: Settings, recipient: User, *, subject: str, text: str, html: str,
             message_id: str, headers: dict[str, str], reason: tuple[str, int] | None,
             story_id: int | None) -> Message:
    domain = domain_of(settings)
    msg = MIMEMultipart("alternative", policy=_POLICY)
    msg["From"] = from_address(settings)
    msg["To"] = formataddr((recipient.full_name, recipient.email), charset="utf-8")
    msg["Subject"] = _header(subject)
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    msg["Message-ID"] = message_id
    if story_id is not None:
        msg["In-Reply-To"] = f"<story-{story_id}@{domain}>"
        msg["References"] = f"<story-{story_id}@{domain}>"
    reply = reply_address(session, settings, recipient.id, story_id) if story_id is not None else None
    if reply or settings.mail_reply_to:
        msg["Reply-To"] = reply or settings.mail_reply_to
    msg["List-Id"] = f"Storyline notifications <notifications.{domain}>"
    if reason is not None:
        msg["List-Unsubscribe"] = f"<{unsubscribe_url(session, settings, recipient.id, reason)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg["Precedence"] = "list"
    msg["X-Auto-Response-Suppress"] = "All"
    for name, value in headers.items():
        msg[name] = _header(value)
    msg.attach(MIMEText(text, "plain", _UTF8))  # type: ignore[arg-type]  # (a Charset is accepted)
    msg.attach(MIMEText(html, "html", _UTF8))  # type: ignore[arg-type]
    return msg


@dataclass(frozen=True)
class StoryPart:
    id: int
    title: str
    private: bool


EventPart = tuple[StoryPart, str, str | None, str, list[str]]


def _event_part(session: Session, payload: dict[str, Any]) -> EventPart | None:
    """What an event's e-mail says whoever receives it: the story, the summary, the text and its HTML, the
    projects. Kept for the sender's batch (the e-mails of one event go out together), since only the
    checks about the recipient differ from one e-mail to the next."""
    cache: dict[Any, EventPart | None] = session.info.setdefault("storyline_mail_events", {})
    key = (payload["story_id"], payload.get("event_id"), payload["event_type"], payload.get("created_at"))
    if key not in cache:
        story = session.get(Story, payload["story_id"])
        if story is None:
            cache[key] = None
        else:
            summary, body = describe(session, payload)
            cache[key] = (StoryPart(story.id, story.title, story.private), summary, body, render_markdown(body),
                          _projects(session, story.id))
    return cache[key]


def build_event_message(session: Session, settings: Settings, payload: dict[str, Any]) -> Message | None:
    """The e-mail of one story event to one recipient, or None if it is no longer due: the recipient is
    gone or unreachable, no longer wants it, no longer follows the story, or may no longer see it."""
    uid, story_id = payload["user_id"], payload["story_id"]
    recipient = session.get(User, uid)
    if recipient is None or not recipient.email or recipient.email.endswith(UNDELIVERABLE_DOMAINS):
        return None
    if not choices(session, [uid])[uid].wants(payload["event_type"]):
        return None
    if uid not in users_who_can_see_story(session, story_id, {uid}):
        return None
    reason = following_reason(session, uid, story_id, payload.get("task_id"))
    event = _event_part(session, payload)
    if reason is None or event is None:
        return None
    story, summary, body, body_html, projects = event
    why = "you were mentioned" if payload.get("mentioned") else _reason_text(session, reason)
    url = story_url(settings, story_id)
    unsubscribe = unsubscribe_url(session, settings, uid, reason)
    text, html = render("event", story=story, summary=summary, body=body, body_html=body_html,
                        url=url, why=why, unsubscribe=unsubscribe, projects=projects,
                        preferences=f"{settings.public_url}/#!/preferences",
                        reply=bool(settings.mail_reply_domain))
    domain = domain_of(settings)
    event_key = payload.get("event_id") or f"{payload['event_type']}-{payload['created_at']}"
    headers = {"X-Storyline-Story": str(story_id), "X-Storyline-Event": payload["event_type"],
               "X-Storyline-Reason": "mentioned" if payload.get("mentioned") else reason[0]}
    if projects:
        headers["X-Storyline-Project"] = ", ".join(projects)
    return _message(session, settings, recipient, subject=subject_of(story), text=text, html=html,
                    message_id=f"<story-{story_id}.event-{event_key}.to-{uid}@{domain}>", headers=headers,
                    reason=reason, story_id=story_id)


def _reason_text(session: Session, reason: tuple[str, int]) -> str:
    target_type, target_id = reason
    name = ""
    if target_type == "project":
        name = session.execute(select(Project.name).where(Project.id == target_id)).scalar() or ""
    elif target_type == "project_group":
        from storyline.projects.models import ProjectGroup

        name = session.execute(select(ProjectGroup.name).where(ProjectGroup.id == target_id)).scalar() or ""
    return REASON_LABELS[target_type].format(name=name)


# ---- sending ---------------------------------------------------------------------------------------

class Mailer:
    """One SMTP connection per sending thread, kept between messages and opened again when the server
    closed it or it sat idle."""

    IDLE = 30.0

    def __init__(self) -> None:
        self._local = threading.local()

    def _open(self, settings: Settings) -> smtplib.SMTP:
        host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout
        context = ssl.create_default_context()
        conn: smtplib.SMTP
        if settings.smtp_security == "tls":
            conn = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            conn = smtplib.SMTP(host, port, timeout=timeout)
            conn.ehlo()
            loopback = host in ("localhost", "127.0.0.1", "::1")
            if settings.smtp_security == "starttls" or (
                    settings.smtp_security == "auto" and not loopback and conn.has_extn("starttls")):
                conn.starttls(context=context)
                conn.ehlo()
        if settings.smtp_username:
            conn.login(settings.smtp_username, settings.smtp_password)
        return conn

    def _connection(self, settings: Settings) -> smtplib.SMTP:
        conn: smtplib.SMTP | None = getattr(self._local, "conn", None)
        if conn is not None and time.monotonic() - self._local.used > self.IDLE:
            self.close()
            conn = None
        if conn is None:
            conn = self._open(settings)
            self._local.conn = conn
        self._local.used = time.monotonic()
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()

    def send(self, settings: Settings, msg: Message) -> None:
        sender = parseaddr(from_address(settings))[1]
        for attempt in (1, 2):
            try:
                self._connection(settings).send_message(msg, from_addr=sender)
                return
            except smtplib.SMTPServerDisconnected:
                self.close()  # a connection the server closed meanwhile: once more on a new one
                if attempt == 2:
                    raise
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                if all(500 <= code < 600 for code in codes):
                    raise outbox.Permanent(f"the mail server refused {msg['To']}: {exc.recipients}") from exc
                raise
            except smtplib.SMTPResponseException as exc:
                self.close()
                if 500 <= exc.smtp_code < 600 and exc.smtp_code not in (530, 535):  # not an auth problem
                    raise outbox.Permanent(f"the mail server refused the message: {exc.smtp_code} "
                                           f"{exc.smtp_error!r}") from exc
                raise
            except OSError:
                self.close()
                raise


MAILER = Mailer()


def describe_worklist(session: Session, payload: dict[str, Any]) -> str:
    info: dict[str, Any] = json.loads(payload["event_info"]) if payload.get("event_info") else {}
    who = _names(session, {payload.get("author_id")}).get(payload.get("author_id") or 0, "Someone")
    return planning_sentence(payload["event_type"], info, who)


def build_planning_message(session: Session, settings: Settings, payload: dict[str, Any]) -> Message | None:
    """A worklist or board event's e-mail to one of its followers, if still due: they still follow the
    worklist (or the board of the lane) and may see it, and the story of the card concerned if any."""
    from storyline.planning.access import users_who_can_see_board, users_who_can_see_worklist
    from storyline.planning.models import Board, Worklist

    uid, story_id = payload["user_id"], payload.get("story_id")
    worklist_id, board_id = payload.get("worklist_id"), payload.get("board_id")
    recipient = session.get(User, uid)
    if recipient is None or not recipient.email or recipient.email.endswith(UNDELIVERABLE_DOMAINS):
        return None
    if not choices(session, [uid])[uid].wants(payload["event_type"]):
        return None
    if worklist_id is not None and uid not in users_who_can_see_worklist(session, worklist_id, {uid}):
        return None
    if board_id is not None and uid not in users_who_can_see_board(session, board_id, {uid}):
        return None
    if story_id is not None and uid not in users_who_can_see_story(session, story_id, {uid}):
        return None
    targets = [(t, i) for t, i in (("worklist", worklist_id), ("board", board_id)) if i is not None]
    followed = {(t, i) for t, i in session.execute(select(Subscription.target_type, Subscription.target_id).where(
        Subscription.user_id == uid, or_(*(and_(Subscription.target_type == t, Subscription.target_id == i)
                                           for t, i in targets))))}
    reason = next((t for t in targets if t in followed), None)
    if reason is None:
        return None
    kind, target_id = reason
    target: Worklist | Board | None = (session.get(Worklist, target_id) if kind == "worklist"
                                       else session.get(Board, target_id))
    if target is None:
        return None
    label = kind.capitalize()
    url = f"{settings.public_url}/#!/{kind}/{target_id}"
    unsubscribe = unsubscribe_url(session, settings, uid, reason)
    subject = f"[{label} {target_id}] " + (f"(private {kind})" if target.private else target.title)
    text, html = render("planning", kind=kind, label=label, target=target,
                        summary=describe_worklist(session, payload), url=url, unsubscribe=unsubscribe,
                        preferences=f"{settings.public_url}/#!/preferences")
    domain = domain_of(settings)
    msg = _message(session, settings, recipient, subject=subject, text=text, html=html,
                   message_id=f"<{kind}-{target_id}.event-{payload['event_id']}.to-{uid}@{domain}>",
                   headers={f"X-Storyline-{label}": str(target_id), "X-Storyline-Event": payload["event_type"],
                            "X-Storyline-Reason": kind},
                   reason=reason, story_id=None)
    msg["In-Reply-To"] = msg["References"] = f"<{kind}-{target_id}@{domain}>"
    return msg


def build(session: Session, settings: Settings, payload: dict[str, Any]) -> Message | None:
    if payload.get("type") in ("planning", "worklist"):  # ("worklist": rows queued before boards were)
        return build_planning_message(session, settings, payload)
    if payload.get("type") == "digest":
        from storyline.notifications.digest import build_digest_message

        return build_digest_message(session, settings, payload)
    return build_event_message(session, settings, payload)


def send_email(session: Session, payload: dict[str, Any]) -> None:
    """The outbox's handler of kind "email" (external lane)."""
    settings: Settings | None = session.info.get("settings")
    if not mail_enabled(settings):
        raise RuntimeError("e-mail is not configured in this process (smtp_host)")
    assert settings is not None
    message = build(session, settings, payload)
    end_read(session)  # the read is over before the SMTP conversation starts
    if message is None:
        return
    MAILER.send(settings, message)


outbox.EXTERNAL["email"] = send_email

__all__ = ["MAILER", "Mailer", "build", "build_event_message", "describe", "following_reason", "mail_enabled",
           "queue_event_mail", "send_email", "subject_of"]
