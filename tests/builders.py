"""Small typed builders and named personas. Setup goes through the API wherever the API can do it;
the first superuser and tokens are made as the CLI makes them (service functions)."""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from storyline.config import Settings
from storyline.db import session_scope
from storyline.users import service as users_service
from storyline.users.tokens import create_token

_seq = itertools.count(1)
# The engines every test runs on (STORYLINE_TEST_DATABASES=sqlite while developing).
BACKENDS = [b for b in os.environ.get("STORYLINE_TEST_DATABASES", "sqlite,postgresql").split(",") if b]


def make_settings(url: str, **overrides: Any) -> Settings:
    """Test settings: the worker does not run in the background (tests run its passes themselves)."""
    overrides.setdefault("worker_in_process", False)
    overrides.setdefault("vmt_team", "vmt")
    return Settings(database_url=url, **overrides)


@contextlib.contextmanager
def app_on(url: str, **overrides: Any) -> Iterator[Any]:
    """The app on the database at `url` (test settings, `overrides`), its engine disposed afterwards."""
    from storyline.app import create_app

    application = create_app(make_settings(url, **overrides))
    try:
        yield application
    finally:
        application.state.engine.dispose()


@contextlib.contextmanager
def client_of(app: Any) -> Iterator[TestClient]:
    """A test client of `app`, its lifespan (the outbox lane, the live hub) running while it is open."""
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def uniq(prefix: str = "x") -> str:
    return f"{prefix}{next(_seq)}"


@dataclass
class Persona:
    id: int
    token: str
    name: str
    email: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_persona(app: Any, *, superuser: bool = False, name: str | None = None) -> Persona:
    n = uniq("person")
    full_name = name or f"Person {n}"
    email = f"{n}@example.org"
    with session_scope(app.state.write_sessions) as session:
        user = users_service.do_create_user(
            session, {"full_name": full_name, "email": email, "is_superuser": superuser}
        )
        _, token = create_token(session, user.id, 3600 * 24)
        uid = user.id
    return Persona(uid, token, full_name, email)


class Api:
    """HTTP helpers that assert success, for arranging a test's data through the API."""

    def __init__(self, client: TestClient, admin: Persona) -> None:
        self.client = client
        self.admin = admin

    def ok(self, method: str, path: str, who: Persona | None = None, **kw: Any) -> Any:
        headers = (who or self.admin).headers
        r = self.client.request(method, path, headers=headers, **kw)
        assert r.status_code in (200, 204), (method, path, r.status_code, r.text)
        return r.json() if r.content else None

    def project(self, name: str | None = None, **fields: Any) -> dict[str, Any]:
        return self.ok("POST", "/v1/projects", json={"name": name or uniq("proj-"), **fields})

    def group(self, name: str | None = None) -> dict[str, Any]:
        return self.ok("POST", "/v1/project_groups", json={"name": name or uniq("group-"), "title": "A group"})

    def story(self, who: Persona | None = None, **fields: Any) -> dict[str, Any]:
        fields.setdefault("title", uniq("Story "))
        return self.ok("POST", "/v1/stories", who, json=fields)

    def task(self, story_id: int, project_id: int, who: Persona | None = None, **fields: Any) -> dict[str, Any]:
        fields.setdefault("title", uniq("Task "))
        return self.ok("POST", "/v1/tasks", who, json={"story_id": story_id, "project_id": project_id, **fields})
