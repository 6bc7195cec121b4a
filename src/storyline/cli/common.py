"""Shared CLI plumbing: settings, the database (checked to be migrated), clean error exits.

Nothing here runs at import time; every command opens what it needs and closes it again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storyline.config import Settings
    from storyline.projects.models import Project
    from storyline.users.models import User


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"storyline: {message}", err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    from pydantic import ValidationError

    from storyline.config import load_settings

    try:
        return load_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        fail(f"invalid settings: {problems}", 2)


def shown_url(url: str) -> str:
    """The database URL with any password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def newest_revision() -> str | None:
    """The newest migration this code has, read from the file names: migrations are
    `migrations/versions/NNNN_name.py` with revision "NNNN", one after the other (test_migrations
    checks it against Alembic's own head). Parsing every migration with Alembic cost a CLI command
    about 0.2 s of CPU."""
    from storyline.config import ROOT

    numbers = [p.name[:4] for p in (ROOT / "migrations" / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    return max(numbers, default=None)


def schema_revisions(url: str) -> tuple[str | None, str | None]:
    """(revision the database is at, newest revision this code knows)."""
    from sqlalchemy import inspect, text

    from storyline.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            current = (conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
                       if inspect(conn).has_table("alembic_version") else None)
    finally:
        engine.dispose()
    return current, newest_revision()


def require_migrated(url: str) -> None:
    """Fail fast, with the fix in the message, when the schema is missing or old."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        current, head = schema_revisions(url)
    except SQLAlchemyError as exc:
        fail(f"cannot open the database {shown_url(url)}: {_first_line(exc)}")
    if current != head:
        state = "has no schema yet" if current is None else f"is at revision {current}, not {head}"
        fail(f"the database {shown_url(url)} {state}: run `storyline db upgrade` first")


@contextmanager
def write_session() -> Iterator[Session]:
    """One transaction on the configured database: committed when the block succeeds.

    Service errors (duplicates, bad values) and database errors end the command with exit code 1
    and nothing written.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from storyline.db import make_engine, make_sessionmaker, session_scope
    from storyline.errors import StorylineError

    url = settings().database_url
    require_migrated(url)
    engine = make_engine(url)
    try:
        with session_scope(make_sessionmaker(engine, write=True)) as session:
            yield session
    except StorylineError as exc:
        fail(f"{exc.field}: {exc.message}" if exc.field else exc.message)
    except SQLAlchemyError as exc:
        fail(f"database error: {_first_line(exc)}")
    finally:
        engine.dispose()


def find_user(session: Session, ref: str) -> User:
    """A user by id (all digits) or by e-mail address (case-insensitive)."""
    from sqlalchemy import func, select

    from storyline.users.models import User

    user = None
    if ref.isascii() and ref.isdigit():
        if int(ref) < 2**31:
            user = session.get(User, int(ref))
    elif "\x00" not in ref:
        user = session.execute(select(User).where(func.lower(User.email) == ref.lower())).scalar_one_or_none()
    if user is None:
        fail(f"no user with id or e-mail {ref!r}")
    return user


def find_project(session: Session, ref: str) -> Project:
    """A project by id (all digits) or name."""
    from storyline.errors import NotFound
    from storyline.projects.queries import get_project

    try:
        return get_project(session, ref)
    except NotFound:
        fail(f"no project with id or name {ref!r}")


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
