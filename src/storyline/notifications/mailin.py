"""Reply by e-mail: a reply to a notification becomes a comment by its sender.

Notification e-mail carries a Reply-To of `reply+<token>@<mail_reply_domain>`, the token signed for
one story and one recipient, valid `mail_reply_days`. The MTA hands mail for that domain to
`storyline mail-in` (one message on standard input: a pipe transport) or to its LMTP listener
(`storyline mail-in --lmtp HOST:PORT`). A reply is accepted only when the address is one Storyline
signed and it has not expired, the sender is the person it was signed for, and that person may still
see the story; otherwise it is refused with the reason (the MTA bounces it) and nothing changes.

The comment is the reply's new text: quoted lines, the "On ... wrote:" line and everything below it,
forwarded originals and the signature after "-- " are left out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storyline import signing
from storyline.authz import Viewer, users_who_can_see_story
from storyline.config import Settings
from storyline.db import utcnow
from storyline.stories.comments import post_comment
from storyline.stories.models import Comment, Story
from storyline.users.models import User

# sysexits(3) codes a pipe transport turns into bounces (or, for TEMPFAIL, into a later retry).
EX_DATAERR, EX_NOUSER, EX_NOPERM, EX_TEMPFAIL = 65, 67, 77, 75
MAX_COMMENT = 65536


class Refused(Exception):
    """A reply that is not accepted; `code` is the pipe's exit status, the message the bounce's reason."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Accepted:
    story_id: int
    user_id: int
    comment_id: int | None  # None: the same reply had been received already


def reply_token(address: str, domain: str) -> str | None:
    """The token of a reply address of this instance (`reply+TOKEN@domain`), or None."""
    local, _, host = parseaddr(address)[1].rpartition("@")
    if host.lower() != domain.lower() or not local.lower().startswith("reply+"):
        return None
    return local[len("reply+"):].lower()


def recipients_of(message: EmailMessage, envelope: list[str] | None) -> list[str]:
    if envelope:
        return envelope
    found: list[str] = []
    for header in ("Delivered-To", "X-Original-To", "To", "Cc"):
        found += [addr for _, addr in getaddresses([str(v) for v in message.get_all(header, [])])]
    return found


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("style", "script", "blockquote"):
            self.skip += 1
        elif tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "blockquote") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        parser = _Text()
        parser.feed(content)
        content = "".join(parser.parts)
    return str(content)


_WROTE = re.compile(r"^\s*(On\b.{0,300}\bwrote:|Le\b.{0,300}\ba écrit\s?:|Am\b.{0,300}\bschrieb\b.{0,100}:)\s*$",
                    re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*(-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Forwarded message\s*-{2,}|"
                       r"_{10,}|From:\s.+)\s*$", re.IGNORECASE)


def new_text(text: str) -> str:
    """The reply's own words: no quotes, no "On ... wrote:" and below, no signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for i, line in enumerate(lines):
        if line.rstrip() in ("--", "-- "):  # the signature delimiter
            break
        # "On <date>, <name> <address>" may wrap onto a second line before "wrote:"
        joined = line if i + 1 >= len(lines) else f"{line} {lines[i + 1]}"
        if _WROTE.match(line) or (_WROTE.match(joined) and not lines[i + 1].lstrip().startswith(">")):
            break
        if _ORIGINAL.match(line) and kept:
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def receive(sessions: sessionmaker[Session], settings: Settings, raw: bytes,
            envelope_recipients: list[str] | None = None) -> Accepted:
    """Turn one reply into a comment, or raise Refused."""
    if not settings.mail_reply_domain:
        raise Refused("reply by e-mail is not enabled on this Storyline (mail_reply_domain)", EX_NOUSER)
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the sender's malformed message
        raise Refused(f"the message could not be read: {exc}", EX_DATAERR) from exc
    assert isinstance(message, EmailMessage)
    tokens = [t for t in (reply_token(a, settings.mail_reply_domain)
                          for a in recipients_of(message, envelope_recipients)) if t]
    if not tokens:
        raise Refused(f"no reply+...@{settings.mail_reply_domain} address among the recipients", EX_NOUSER)
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    with sessions() as session:
        signed = signing.verify(session, "reply", tokens[0], expiring=True)
        parts = signed.split(".") if signed else []
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise Refused("this reply address is not valid, or it has expired: reply to a newer e-mail, or "
                          "comment in Storyline", EX_NOUSER)
        story_id, user_id = int(parts[0]), int(parts[1])
        user = session.get(User, user_id)
        if user is None or not user.enable_login or user.email.lower() != sender:
            raise Refused("this reply address belongs to someone else: reply from the address the notification "
                          "was sent to", EX_NOPERM)
        if user_id not in users_who_can_see_story(session, story_id, {user_id}):
            raise Refused(f"story {story_id} was not found", EX_NOPERM)
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    if auto != "no":
        raise Refused("automatic replies (Auto-Submitted) are not comments", EX_DATAERR)
    text = new_text(body_text(message))
    if not text:
        raise Refused("the reply has no text of its own (only quoted text or a signature)", EX_DATAERR)
    if len(text) > MAX_COMMENT:
        raise Refused(f"the reply is longer than {MAX_COMMENT} characters", EX_DATAERR)
    with sessions() as session, session.begin():
        # The same reply delivered twice (an MTA's retry) is one comment.
        since = utcnow() - dt.timedelta(hours=1)
        duplicate = session.execute(select(Comment.id).where(
            Comment.story_id == story_id, Comment.author_id == user_id, Comment.content == text,
            Comment.created_at >= since)).first()
        if duplicate is not None:
            return Accepted(story_id, user_id, None)
        story = session.get(Story, story_id)
        if story is None:
            raise Refused(f"story {story_id} was not found", EX_NOPERM)
        _, comment = post_comment(session, Viewer(user_id=user_id), story, text, None)
        session.flush()
        return Accepted(story_id, user_id, comment.id)


__all__ = ["Accepted", "EX_DATAERR", "EX_NOPERM", "EX_NOUSER", "EX_TEMPFAIL", "Refused", "new_text", "receive"]
