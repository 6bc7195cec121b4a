"""Old Launchpad links on Storyline's host: `/bugs/N`, `/+bug/N` and `/<project>/+bug/N` (with anything
after the number, e.g. `/nova/+bug/123/comments/4`) redirect to the story's page in the web client.

A Launchpad import makes bug N the story N, or another story when that id was taken (recorded in
`import_refs`). The redirect is the same for every caller (a followed link carries no token): to the
recorded story when it is public, to `/story/N` otherwise. A private story's id is thus never told:
the answer for a private renumbered bug is the answer for a bug never imported, and the story page
itself then answers as it does for anyone (not found unless the reader is on the access list).
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import RedirectResponse
from starlette.types import Receive, Scope, Send

from storyline.authz import ANONYMOUS, story_visible
from storyline.importers.models import ImportRef
from storyline.schemas import MAX_ID
from storyline.stories.models import Story

# /bugs/N, /+bug/N, /<project path>/+bug/N, each optionally followed by /anything.
OLD_LINK = re.compile(r"^/(?:bugs|(?:[^/]+/)*\+bug)/(\d{1,10})(?:/.*)?$")

# The public story a Launchpad import made of the bug (built once, the bug number bound).
_RENUMBERED = (select(Story.id)
               .join(ImportRef, ImportRef.local_id == Story.id)
               .where(ImportRef.source == "launchpad", ImportRef.kind == "bug",
                      ImportRef.key == bindparam("key"), story_visible(ANONYMOUS)))


def bug_number(path: str) -> int | None:
    """The bug number of an old Launchpad link, or None when `path` is not one."""
    m = OLD_LINK.match(path)
    if m is None or path.startswith(("/v1/", "/api/", "/preview/")):
        return None
    number = int(m.group(1))
    return number if 0 < number <= MAX_ID else None


def story_for_bug(factory: sessionmaker[Session], number: int) -> int:
    session = factory()
    try:
        found = session.execute(_RENUMBERED, {"key": str(number)}).scalar_one_or_none()
    finally:
        session.close()
    return found if found is not None else number


def install_old_links(app: FastAPI) -> None:
    """Answer old links where no route matched (before the web client's fallback; call after install_web)."""
    fallback = app.router.default

    async def old_links(scope: Scope, receive: Receive, send: Send) -> None:
        number = bug_number(scope["path"]) if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") else None
        if number is None:
            await fallback(scope, receive, send)
            return
        story_id = await run_in_threadpool(story_for_bug, scope["app"].state.read_sessions, number)
        # 302: the target may change (a renumbered story made public later), so it is not cached.
        response = RedirectResponse(f"/story/{story_id}", status_code=302, headers={"cache-control": "no-store"})
        await response(scope, receive, send)

    app.router.default = old_links
