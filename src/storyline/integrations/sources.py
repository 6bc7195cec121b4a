"""Sources (Gerrit servers, GitHub and GitLab webhooks): created and removed by administrators
(`storyline integrations ...`), authenticated on every delivery; repository → project mapping."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.orm import Session

from storyline.errors import BadRequest, FrameworkError, NotFound
from storyline.integrations.models import SOURCE_KINDS, IntegrationSource, RepositoryMapping
from storyline.projects.models import Project
from storyline.sqltools import like_pattern
from storyline.users import service as users_service
from storyline.users.models import User

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
HOOK_PREFIX = "/preview/hooks"


@dataclass(frozen=True)
class Source:
    """What a delivery needs of its source (read once per delivery)."""

    id: int
    name: str
    kind: str
    origin: str | None
    secret_hash: str | None
    secret: str | None
    bot_user_id: int


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hook_path(kind: str, name: str, secret: str | None = None) -> str:
    return f"{HOOK_PREFIX}/{kind}/{name}" + (f"/{secret}" if kind == "gerrit" and secret else "")


def do_create_source(session: Session, kind: str, name: str, *, origin: str | None = None,
                     bot_user: User | None = None) -> tuple[IntegrationSource, str]:
    """A new source and its secret (shown once: only Gerrit's and GitLab's hashes are kept)."""
    if kind not in SOURCE_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(SOURCE_KINDS)}", field="kind")
    if not NAME.match(name):
        raise BadRequest("a source name is 1-100 letters, digits, '.', '_' or '-', starting with a letter or "
                         "digit (it is part of the webhook URL)", field="name")
    if session.execute(select(IntegrationSource.id).where(IntegrationSource.name == name)).first():
        raise BadRequest(f"A source named {name!r} already exists", field="name")
    if origin is not None and not re.match(r"^https?://[^\s/]+", origin):
        raise BadRequest("origin must be Gerrit's canonical URL (http:// or https://)", field="origin")
    if bot_user is None:
        # The source's own bot; a source added again under its name (a new secret) gets its bot back.
        email = f"{name}.{kind}-bot@integrations.invalid"
        bot_user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
        if bot_user is None:
            bot_user = users_service.do_create_user(session, {
                "full_name": f"{name} ({kind} bot)"[:255], "email": email, "enable_login": False})
    secret = secrets.token_urlsafe(32)
    source = IntegrationSource(name=name, kind=kind, origin=origin.rstrip("/") if origin else None,
                               secret=secret if kind == "github" else None,
                               secret_hash=None if kind == "github" else _hash(secret), bot_user_id=bot_user.id)
    session.add(source)
    session.flush()
    return source, secret


def get_source(session: Session, name: str) -> IntegrationSource:
    source = session.execute(select(IntegrationSource).where(IntegrationSource.name == name)).scalar_one_or_none()
    if source is None:
        raise NotFound(f"No integration source named {name!r}")
    return source


def do_remove_source(session: Session, source: IntegrationSource) -> None:
    """The source, its deliveries and its linked changes go; tasks keep their status, and the bot
    user stays (its comments and status changes keep their author)."""
    session.delete(source)
    session.flush()


_SOURCE = select(IntegrationSource.id, IntegrationSource.name, IntegrationSource.kind, IntegrationSource.origin,
                 IntegrationSource.secret_hash, IntegrationSource.secret, IntegrationSource.bot_user_id
                 ).where(IntegrationSource.name == bindparam("name"), IntegrationSource.kind == bindparam("kind"))


def _refused() -> FrameworkError:
    return FrameworkError(401, "Unauthorized", "Unknown source, or a wrong secret or signature")


def authenticate(session: Session, kind: str, name: str, *, secret: str | None = None, body: bytes = b"",
                 signature: str | None = None, origin: str | None = None) -> Source:
    """The source the delivery comes from, or 401 (unknown name, wrong secret, bad signature, another
    origin): the same answer whatever was wrong, before the body is parsed."""
    row = session.connection().execute(_SOURCE, {"name": name, "kind": kind}).first() if NAME.match(name) else None
    if row is None:
        # The same work as for a known source, so that timing does not tell which names exist.
        hmac.compare_digest(_hash(secret or ""), "0" * 64)
        raise _refused()
    source = Source(*row)
    if kind == "github":
        expected = "sha256=" + hmac.new((source.secret or "").encode(), body, hashlib.sha256).hexdigest()
        if not signature or not hmac.compare_digest(signature.strip().encode(), expected.encode()):
            raise _refused()
    elif not secret or not hmac.compare_digest(_hash(secret), source.secret_hash or ""):
        raise _refused()
    if kind == "gerrit" and source.origin is not None:
        if origin is None or origin.strip().rstrip("/") != source.origin:
            raise FrameworkError(401, "Unauthorized", "X-Origin-Url is not this source's Gerrit")
    return source


# ---- repositories -----------------------------------------------------------------------------------

def do_map_repository(session: Session, repository: str, project: Project) -> None:
    session.execute(delete(RepositoryMapping).where(RepositoryMapping.repository == repository))
    session.add(RepositoryMapping(repository=repository, project_id=project.id))
    session.flush()


def do_unmap_repository(session: Session, repository: str) -> None:
    if not session.execute(delete(RepositoryMapping).where(RepositoryMapping.repository == repository)).rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"No explicit mapping for repository {repository!r}")


_MAPPED = select(RepositoryMapping.project_id).where(RepositoryMapping.repository == bindparam("repository"))
_BY_NAME = select(Project.id).where(Project.name == bindparam("repository"))
_BY_URL = (select(Project.id).where(or_(*(func.lower(Project.repo_url).like(bindparam(name), escape="\\")
                                           for name in ("bare", "git", "slash"))))
           .order_by(Project.id).limit(1))


@dataclass(frozen=True)
class ProjectRef:
    """What the rules need of a repository's project (read once per batch of deliveries)."""

    id: int
    name: str
    autocreate_branches: bool


def project_id_for(session: Session, repository: str | None) -> int | None:
    """The id of the project a repository maps to: an explicit mapping, else the project whose
    repo_url names the repository (…/openstack/nova or …/openstack/nova.git), else the project of the
    same name. Prebuilt statements, at most three."""
    if not repository:
        return None
    conn = session.connection()
    project_id: int | None = conn.execute(_MAPPED, {"repository": repository}).scalar_one_or_none()
    if project_id is None:
        tail = like_pattern(repository)[1:-1]  # escaped, without the surrounding %
        project_id = conn.execute(_BY_URL, {"bare": "%/" + tail, "git": "%/" + tail + ".git",
                                            "slash": "%/" + tail + "/"}).scalar_one_or_none()
    if project_id is None:
        project_id = conn.execute(_BY_NAME, {"repository": repository}).scalar_one_or_none()
    return project_id


def project_for(session: Session, repository: str | None) -> Project | None:
    """The project a repository maps to (project_id_for), as the ORM's object."""
    project_id = project_id_for(session, repository)
    return session.get(Project, project_id) if project_id is not None else None


def sources_summary(session: Session) -> list[dict[str, Any]]:
    from storyline.integrations.models import ChangeLink, IntegrationDelivery, ReviewChange

    deliveries = (select(func.count()).where(IntegrationDelivery.source_id == IntegrationSource.id)
                  .scalar_subquery())
    linked = (select(func.count(func.distinct(ReviewChange.id))).join(ChangeLink, ChangeLink.change_id == ReviewChange.id)
              .where(ReviewChange.source_id == IntegrationSource.id).scalar_subquery())
    rows = session.execute(select(IntegrationSource, deliveries, linked).order_by(IntegrationSource.name)).all()
    return [{"id": s.id, "name": s.name, "kind": s.kind, "origin": s.origin, "bot_user_id": s.bot_user_id,
             "deliveries": d, "linked_changes": n, "last_event_at": s.last_event_at, "resume_after": s.resume_after}
            for s, d, n in rows]


__all__ = ["HOOK_PREFIX", "ProjectRef", "Source", "authenticate", "do_create_source", "do_map_repository", "do_remove_source",
           "do_unmap_repository", "get_source", "hook_path", "project_for", "project_id_for",
           "sources_summary"]
