"""The router every API module uses: plain `def` endpoints of SQLite read requests run on the event loop.

FastAPI runs a `def` endpoint in the threadpool: a hand-over to a worker thread and back, which on a
small read costs as much as the read itself. A SQLite read takes no lock and never waits for
another request, and Python code holds the GIL wherever it runs, so for those requests running the
endpoint directly is both faster and no less concurrent. The session dependency (api/deps.py)
decides per request, in `INLINE`; every other request (writes, PostgreSQL, endpoints without a
session) still goes through the threadpool.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from storyline.errors import Unavailable
from storyline.health import DatabaseHealth

T = TypeVar("T")

# Set by the session dependency before the endpoint runs: may this request's endpoint run inline?
INLINE: ContextVar[bool] = ContextVar("storyline_inline", default=False)
# Set by the session dependency: the process's database watcher (health.py), None outside requests.
HEALTH: ContextVar[DatabaseHealth | None] = ContextVar("storyline_health", default=None)
# Set by the session dependency when the endpoint runs in the threadpool: what ends the request's
# transaction (commit and close), done in the endpoint's thread right after it returns, so that a
# write costs one threadpool hop less (the dependency does it only if the endpoint did not).
END_AFTER: ContextVar[Callable[[], None] | None] = ContextVar("storyline_end_after", default=None)


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """fn in the threadpool; 503 as soon as the database is down (the thread finishes on its own
    when the database answers again, or fails then)."""
    health = HEALTH.get()
    if health is None or not health.watched:
        return await run_in_threadpool(fn, *args, **kwargs)
    task = asyncio.ensure_future(run_in_threadpool(fn, *args, **kwargs))
    while True:
        done, _ = await asyncio.wait({task}, timeout=1.0)
        if done:
            return task.result()
        if not health.up:
            task.add_done_callback(_ignore_outcome)
            raise Unavailable("The database is not answering; please retry shortly")


def _ignore_outcome(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: no "exception was never retrieved" warning


def inline_when_possible(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """An async endpoint with `endpoint`'s signature that calls it inline or in the threadpool."""
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        if INLINE.get():
            return endpoint(*args, **kwargs)
        end = END_AFTER.get()
        if end is None:
            return await in_thread(endpoint, *args, **kwargs)
        return await in_thread(_then, endpoint, end, args, kwargs)

    return run


def _then(endpoint: Callable[..., T], end: Callable[[], None], args: Any, kwargs: Any) -> T:
    result = endpoint(*args, **kwargs)
    if isinstance(result, Response):  # its body is made: nothing reads the session any more
        end()
    return result


class Router(APIRouter):
    def add_api_route(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().add_api_route(path, inline_when_possible(endpoint), **kwargs)
