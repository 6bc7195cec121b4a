"""The input rules every write body must meet, checked before any endpoint runs.

No backend can store NUL characters or integers beyond 32 bits; no endpoint needs JSON nested
deeper than MAX_JSON_DEPTH or more than MAX_JSON_VALUES values, and each value costs work while a
write holds the database. A small body is checked at once; a large one in a helper process: parsing
megabytes of JSON is C code that holds the GIL throughout, so neither the event loop nor a thread of
the server process may do it without stalling every other request meanwhile.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import threading
from typing import Any

import orjson

MAX_ID = 2**31 - 1  # ids are 32-bit integers on every backend (storyline.schemas.MAX_ID)
MAX_JSON_DEPTH = 64
MAX_JSON_VALUES = 10_000
# Bodies up to this size are checked in the request's own task (well under a millisecond).
INLINE_LIMIT = 64 * 1024

_pool: concurrent.futures.ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _walk(data: Any) -> tuple[str, str] | None:
    """The first value no backend can store, nesting deeper than MAX_JSON_DEPTH, or more than
    MAX_JSON_VALUES values. Iterative: deep nesting cannot exhaust the stack; a huge body stops at
    the limit."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    seen = 0
    while stack:
        value, path, depth = stack.pop()
        seen += 1
        if seen > MAX_JSON_VALUES:
            return "body", f"has more than {MAX_JSON_VALUES} values"
        if isinstance(value, str):
            if "\x00" in value:
                return path or "body", "must not contain NUL characters"
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if abs(value) > MAX_ID:
                return path or "body", "is out of range"
        elif isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:  # named by the top-level field it is in
                field = path.split(".", 1)[0] if isinstance(data, dict) and path else "body"
                return field, f"is nested more than {MAX_JSON_DEPTH} levels deep"
            items = value.items() if isinstance(value, dict) else enumerate(value)
            children = [(item, f"{path}.{key}" if path else str(key), depth + 1) for key, item in items]
            stack.extend(reversed(children))
    return None


def check(body: bytes) -> tuple[str, str] | None:
    """(field, problem) for the first rule the body breaks, or None (not JSON: the endpoint says)."""
    if b"\x00" in body:
        return "body", "must not contain NUL characters"
    stripped = body.lstrip()
    if not stripped or stripped[:1] not in (b"{", b"["):
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc).lower() or "recursion" in str(exc).lower():
            return "body", f"is nested more than {MAX_JSON_DEPTH} levels deep"
        return None  # reported by the endpoint's own body parsing
    return _walk(data)


def _executor() -> concurrent.futures.ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # spawn: a fresh interpreter that imports only this module (fork would copy the server's
            # threads and locks).
            _pool = concurrent.futures.ProcessPoolExecutor(max_workers=1,
                                                           mp_context=multiprocessing.get_context("spawn"))
        return _pool


async def body_problem(body: bytes) -> tuple[str, str] | None:
    if len(body) <= INLINE_LIMIT:
        return check(body)
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_executor(), check, body)
    except concurrent.futures.process.BrokenProcessPool:
        global _pool
        with _pool_lock:
            _pool = None
        return await loop.run_in_executor(_executor(), check, body)


def shutdown() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None
