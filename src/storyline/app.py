"""create_app(settings): routers, middleware, error handlers, lifespan."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storyline import __version__, bodycheck, db, heap
from storyline.api.common import JSON, dumps
from storyline.bodycheck import body_problem
from storyline.config import Settings, load_settings
from storyline.db import WalCheckpointer, is_sqlite, make_engine, make_sessionmaker, people_file, sqlite_path
from storyline.errors import FrameworkError, StorylineError, Unavailable, validation_body
from storyline.health import DatabaseHealth, is_connection_error
from storyline.precompressed import ApiGZip, file_response
from storyline.schemas import MAX_ID

log = logging.getLogger("storyline")

_INDEXED = re.compile(r"^([A-Za-z_]+)\[\d*\]$")
# Attachment uploads: multipart bodies of binary files, with a limit of their own (max_attachment_bytes).
_UPLOAD = re.compile(r"^/v1/stories/[^/]+/attachments$")
# Webhook deliveries (code review integration): a forge's event, not a Storyline write body. Its ids
# exceed 32 bits and its size the anonymous limit; the endpoint verifies and reads it itself.
_HOOKS = "/preview/hooks/"
UPLOAD_OVERHEAD = 64 * 1024  # the multipart framing and form fields around the file
CORS_HEADERS = "origin, authorization, accept, x-total, x-limit, x-marker, x-offset, x-client, content-type"




async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    payload = dumps(body)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


_INTEGER = re.compile(r"-?[0-9]+")


def _out_of_range(value: str) -> bool:
    """A decimal integer beyond what any id or number column holds (checked by length first: a
    4,300-digit number must not reach int())."""
    digits = value[1:] if value[:1] == "-" else value
    return len(digits) > 10 or abs(int(value)) > MAX_ID


def _private(send: Send) -> Send:
    """An answer to a request with credentials is the caller's own: shared caches must not keep it."""

    async def send_private(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            if not any(k.lower() == b"cache-control" for k, _ in headers):
                headers.append((b"cache-control", b"private, no-cache"))
            message = dict(message, headers=headers)
        await send(message)

    return send_private  # type: ignore[return-value]


async def _too_large(send: Send, limit: int) -> None:
    body = validation_body("body", f"The request body is larger than the limit of {limit} bytes")
    await _answer(send, 413, dict(body, title="Payload Too Large", code=413, limit=limit))


class V1PathMiddleware:
    """Request normalisation and the input rules that hold for every endpoint.

    Serves /api/v1 like /v1, accepts a trailing slash, reads `tags[0]=a` as `tags=a`; answers 404
    for an id too large to exist, and 400 (naming the parameter) for a query number out of range or
    NUL characters in the query or body, which no backend can store.
    """

    def __init__(self, app: ASGIApp, max_body: int = 10 * 1024 * 1024, max_anonymous_body: int = 64 * 1024,
                 max_attachment: int = 10 * 1024 * 1024) -> None:
        self.app = app
        self.max_body = max_body
        self.max_anonymous_body = max_anonymous_body
        self.max_attachment = max_attachment

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith("/api/v1"):
            path = path[4:]
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        if any(_INTEGER.fullmatch(seg) and _out_of_range(seg) for seg in path.split("/")):
            await _answer(send, 404, {"faultcode": "Client", "faultstring": "Not found", "debuginfo": None,
                                      "error_code": "not_found"})
            return
        if any(k == b"authorization" for k, _ in scope["headers"]):
            send = _private(send)
        if path != scope["path"]:
            scope = dict(scope, path=path, raw_path=path.encode())
        qs: bytes = scope.get("query_string", b"")
        if qs:
            pairs = parse_qsl(qs.decode("latin-1"), keep_blank_values=True)
            for key, value in pairs:
                problem = ("must not contain NUL characters" if "\x00" in value or "\x00" in key else
                           "is out of range" if value.isascii() and value.lstrip("-").isdigit() and _out_of_range(value)
                           else None)
                if problem:
                    await _answer(send, 400, validation_body(key, f"{key} {problem}"))
                    return
            if b"%5B" in qs or b"[" in qs:
                fixed = [((m.group(1) if (m := _INDEXED.match(k)) else k), v) for k, v in pairs]
                scope = dict(scope, query_string=urlencode(fixed).encode())
        if scope["method"] in ("POST", "PUT", "PATCH", "DELETE"):
            headers = dict(scope["headers"])
            # Without credentials only a small body is read (login forms); with them, a configurable
            # limit. Either way a larger body is refused before it is read into memory.
            limit = self.max_body if b"authorization" in headers else self.max_anonymous_body
            # An attachment upload (multipart, with credentials): the attachment limit, and its bytes are
            # a file, not JSON (binary files contain NUL bytes); the endpoint reads it in a worker thread.
            upload = (scope["method"] == "POST" and b"authorization" in headers and _UPLOAD.match(path) is not None
                      and headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data"))
            if upload:
                limit = max(limit, self.max_attachment + UPLOAD_OVERHEAD)
            hook = path.startswith(_HOOKS)
            if hook:
                limit = self.max_body
            declared = headers.get(b"content-length", b"")
            if declared.isdigit() and int(declared) > limit:
                await _too_large(send, limit)
                return
            chunks = []
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    await _too_large(send, limit)
                    return
                chunks.append(chunk)
                more = message.get("more_body", False)
            if upload or hook:
                # Replayed as received, chunk by chunk: the form parser never holds up the event loop
                # with one call over megabytes.
                pending = chunks or [b""]
                body = b""
            else:
                body = b"".join(chunks)
                body_error = await body_problem(body)
                if body_error:
                    field, why = body_error
                    await _answer(send, 400, validation_body(field, f"{field} {why}"))
                    return
                pending = [body]

            async def replay() -> Message:
                if pending:
                    chunk = pending.pop(0)
                    return {"type": "http.request", "body": chunk, "more_body": bool(pending)}
                return await receive()

            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)


class CORSMiddleware:
    """StoryBoard's CORS rules: echo an allowed Origin (exact, or a regex entry starting with ^)."""

    def __init__(self, app: ASGIApp, origins: list[str], max_age: int) -> None:
        self.app = app
        self.exact = {o for o in origins if not o.startswith("^")}
        self.patterns = [re.compile(o) for o in origins if o.startswith("^")]
        self.max_age = str(max_age)

    def allowed(self, origin: str) -> bool:
        # The whole origin must match a pattern: `^https://.*\.example\.org` must not let
        # `https://x.example.org.evil.test` through.
        return origin in self.exact or any(p.fullmatch(origin) for p in self.patterns)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = next((v.decode() for k, v in scope["headers"] if k == b"origin"), None)
        if origin is None or not self.allowed(origin):
            await self.app(scope, receive, send)
            return
        cors = [
            (b"access-control-allow-origin", origin.encode()),
            (b"access-control-allow-methods", b"GET, POST, PUT, DELETE, OPTIONS"),
            (b"access-control-allow-headers", CORS_HEADERS.encode()),
            (b"access-control-expose-headers", CORS_HEADERS.encode()),
            (b"access-control-max-age", self.max_age.encode()),
            (b"vary", b"Origin"),
        ]
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": cors})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message, headers=list(message.get("headers", [])) + cors)
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StorylineError)
    async def _storyline_error(_request: Request, exc: StorylineError) -> JSON:
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Unavailable) else None
        return JSON(exc.body(), status_code=exc.status_code, headers=headers)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    async def _database_unavailable(request: Request, exc: Exception) -> JSON:
        # The database could not be reached, or refused for now (a lock or statement timeout): no
        # traceback per request (health.py logs the outage once), a 503 the client may retry.
        health = request.app.state.health
        if is_connection_error(exc):
            health.failure(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200])
        else:
            log.warning("database refused for now: %s", str(getattr(exc, "orig", None) or exc).splitlines()[0][:200])
        unavailable = Unavailable("The database is not available; please retry shortly")
        return JSON(unavailable.body(), status_code=503, headers={"Retry-After": str(unavailable.retry_after)})

    @app.exception_handler(FrameworkError)
    async def _framework_error(_request: Request, exc: FrameworkError) -> JSON:
        return JSON(exc.body(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSON:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = _field(tuple(first.get("loc", ())))
        message = str(first.get("msg", "invalid"))
        if first.get("type") == "json_invalid":
            field, message = "body", "The request body is not valid JSON"
        return JSON(
            validation_body(field, message), status_code=400
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSON:
        titles = {404: "Not Found", 405: "Method Not Allowed", 400: "Bad Request"}
        description = None if exc.status_code in (404, 405) else str(exc.detail)
        return JSON(
            {"code": exc.status_code, "title": titles.get(exc.status_code, str(exc.detail)),
             "description": description},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(OverflowError)
    async def _overflow(_request: Request, exc: Exception) -> JSON:
        # A number in the query beyond what Python hands to the database (the body rules catch the rest).
        return JSON(validation_body("body", "a number in the request is out of range"), status_code=400)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSON:
        # The one race a check-then-write cannot close: two requests writing the same unique value, or a
        # row referenced by one deleted by the other. The loser changed nothing: 409, logged with the
        # constraint so a check missing in a service shows. Any other integrity error is a bug: 500.
        if not db.is_race(exc):
            return await _unexpected(request, exc)
        log.warning("%s %s: conflict with a concurrent change (%s)", request.method, request.url.path,
                    str(exc.orig).splitlines()[0][:200])
        return JSON({"faultcode": "Client", "faultstring": "The request conflicts with a concurrent change",
                     "debuginfo": None, "error_code": "conflict", "message": "The request conflicts with a "
                     "concurrent change"}, status_code=409)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSON:
        log.exception("unexpected error", exc_info=exc)
        return JSON({"faultcode": "Server", "faultstring": "Internal server error", "debuginfo": None},
                    status_code=500)


VALIDATION_ERROR = {
    "type": "object",
    "properties": {"message": {"type": "string"}, "field": {"type": "string"},
                   "faultstring": {"type": "string"}, "code": {"type": "integer"},
                   "title": {"type": "string"}, "description": {"type": "string"}},
    "required": ["message", "field"],
}


def install_openapi(app: FastAPI) -> None:
    """OpenAPI as the API really answers: validation errors are StoryBoard's 400 `{message, field}`."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        doc = get_openapi(title=app.title, version=app.version, description=app.description,
                          routes=app.routes, tags=app.openapi_tags)
        for path_item in doc.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.get("responses", {})
                if responses.pop("422", None) is not None:
                    declared = responses.get("400", {}).get("content", {}).get("application/json", {})
                    schema = VALIDATION_ERROR if "schema" not in declared else {
                        "anyOf": [declared["schema"], VALIDATION_ERROR]}  # e.g. OAuth's own error shape
                    responses["400"] = {"description": responses.get("400", {}).get(
                        "description", "Validation error (names the field)"),
                        "content": {"application/json": {"schema": schema}}}
                for response in responses.values():
                    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                    if "$ref" in schema or "anyOf" in schema:  # FastAPI adds a stray "type" beside them
                        schema.pop("type", None)
        schemas = doc.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def install_probes(app: FastAPI) -> None:
    """Probes for load balancers and supervisors: /healthz (the process answers) and /readyz (its
    database answers too; 503 otherwise). Not part of the v1 API."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSON:
        return JSON({"status": "ok"})

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> JSON:
        health: DatabaseHealth = request.app.state.health
        if health.up:
            try:
                await run_in_threadpool(_ping, request.app.state.engine)
            except Exception as exc:  # noqa: BLE001 - any failure to reach the database: not ready
                health.failure(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200])
        if not health.up:
            return JSON({"status": "unavailable", "database": "not answering"}, status_code=503,
                        headers={"Retry-After": "5"})
        return JSON({"status": "ok", "database": "ok"})


def _ping(engine: Any) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")


WEB_DIR = Path(__file__).parent / "web"
# Paths that belong to the API: a miss there is the API's JSON 404, never the web client.
API_PREFIXES = ("/v1", "/api/v1", "/preview", "/openapi.json", "/docs", "/healthz", "/readyz")
NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Storyline</title></head>
<body><main><h1>Storyline</h1><p>The web client is not built. Run <code>make web</code> (or
<code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>) and reload this page.</p>
<p>The API is served at <a href="/v1/systeminfo">/v1</a> and <a href="/api/v1/systeminfo">/api/v1</a>;
its documentation at <a href="/docs">/docs</a>.</p></main></body></html>"""


def _is_api_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in API_PREFIXES)


def install_web(app: FastAPI, directory: Path = WEB_DIR) -> None:
    """Serve the built web client at `/`: files as they are (or their precompressed .br/.gz sibling,
    storyline.precompressed), any other GET of a client route gets index.html (the client routes
    itself). API paths keep the API's JSON 404; other methods too."""
    root = directory.resolve()
    not_found = app.router.default

    async def web(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or _is_api_path(path):
            await not_found(scope, receive, send)
            return
        index = root / "index.html"
        if not index.is_file():
            await HTMLResponse(NOT_BUILT)(scope, receive, send)
            return
        accept = Headers(scope=scope).get("accept-encoding", "")
        candidate = (root / path.lstrip("/")).resolve()
        if path != "/" and candidate.is_file() and candidate.is_relative_to(root):
            immutable = candidate.parent == root / "assets"  # named by their content hash
            await file_response(candidate, accept, immutable)(scope, receive, send)
            return
        if path.startswith("/assets/"):  # a missing build file, not a client route
            await not_found(scope, receive, send)
            return
        await file_response(index, accept, immutable=False)(scope, receive, send)

    app.router.default = web


def _route_head(path: str) -> tuple[str, ...]:
    """The first two segments of a path: ("v1", "stories") for /v1/stories/12/comments."""
    return tuple(path.split("/", 3)[1:3])


def skip_foreign_routers(app: FastAPI) -> None:
    """Each included router answers "no match" at once to a path outside its routes' first two
    segments (every route path starts with literal ones: /v1/stories/..., /v1/tasks/...).

    FastAPI tries the app's included routers in turn, and each tests every one of its routes' patterns
    against the path: a write to /v1/subscriptions tested about a hundred patterns before its own, a
    third of the framework's CPU for that request. A route matches only a path with its own first two
    segments, so skipping a router none of whose routes has them changes no match. A router with a
    route whose first segments are not literal keeps FastAPI's matching.
    """
    try:
        from fastapi.routing import _IncludedRouter
        from starlette._utils import get_route_path
    except ImportError:  # another FastAPI: its own matching, unchanged
        return
    for router in app.router.routes:
        if not isinstance(router, _IncludedRouter):
            continue
        paths = [getattr(c, "path_format", None) for c in router.effective_candidates()]
        if not paths or any(not isinstance(p, str) or "{" in "/".join(_route_head(p)) for p in paths):
            continue
        heads = frozenset(_route_head(p) for p in paths if isinstance(p, str))  # every one (checked above)

        def matches(scope: Scope, _heads: frozenset[tuple[str, ...]] = heads,
                    _matches: Any = router.matches) -> Any:
            if scope["type"] == "http" and _route_head(get_route_path(scope)) not in _heads:
                return Match.NONE, {}
            return _matches(scope)

        router.matches = matches  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    from storyline import preview
    from storyline.api import v1
    from storyline.oldlinks import install_old_links

    settings = settings or load_settings()
    engine = make_engine(settings.database_url, echo=settings.sql_echo, pool_size=settings.db_pool_size,
                         pool_timeout=settings.db_wait_timeout, connect_timeout=settings.db_connect_timeout)
    health = DatabaseHealth(engine, connect_timeout=settings.db_connect_timeout)
    path = sqlite_path(settings.database_url) if is_sqlite(settings.database_url) else ""
    checkpointer = WalCheckpointer(path) if path and path != ":memory:" else None

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The process as built, out of the collector's walks (storyline.heap); before any thread
        # starts, so that this one long collection pauses no transaction.
        heap.freeze()
        health.start()
        if checkpointer is not None:
            checkpointer.start()
        from storyline.outbox import PEOPLE, OutboxThread, Policy

        Policy.configure(max_attempts=settings.outbox_max_attempts, retry_base=settings.outbox_retry_base,
                         lease=settings.outbox_lease)
        # Every lane of this machine gives way to people's requests in any of its processes.
        people = people_file(settings.database_url)
        if people is not None:
            PEOPLE.share(people)

        # The local lane in every API process (readers of the inbox wait for it); the external lane
        # (e-mail, webhooks) where the worker runs: here in the embedded mode, else `storyline worker`.
        # The background lane (code review events' work): a process of its own where the worker runs
        # (outbox/background.py), or a thread here (`background_lane`).
        deliverers = [OutboxThread(app.state.write_sessions)]
        if settings.worker_in_process:
            deliverers.append(OutboxThread(app.state.write_sessions, read_sessions=app.state.read_sessions))
        background = None
        if not settings.background_process:
            # (its idle check a read: on SQLite a write transaction takes the write lock)
            deliverers.append(OutboxThread(app.state.write_sessions, read_sessions=app.state.read_sessions,
                                           lane="background"))
        elif settings.worker_in_process:
            from storyline.outbox.background import BackgroundProcess

            background = BackgroundProcess(settings)
            background.start()
        for deliverer in deliverers:
            deliverer.start()
        worker = None
        if settings.worker_in_process:
            from storyline.worker import WorkerThread

            worker = WorkerThread(app.state.write_sessions, settings)
            worker.start()
        try:
            yield
        finally:
            heap.thaw()
            from storyline import live

            live.stop(app.state)  # the open live streams end (storyline.live)
            if worker is not None:
                worker.stop()
            if background is not None:
                background.stop()
            for deliverer in deliverers:
                deliverer.stop()
            if people is not None:
                PEOPLE.unshare(people)
            health.stop()
            if checkpointer is not None:
                checkpointer.stop()
            bodycheck.shutdown()
            engine.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="Storyline",
        version=__version__,
        description=(
            "Task tracker for large open-source communities. `/v1` (also served at `/api/v1`) is the "
            "StoryBoard-compatible REST API v1. Paths under `/preview` are preview: not yet stable."
        ),
        default_response_class=JSON,
        openapi_tags=[{"name": "preview", "description": "Preview: new API surface under /preview, not yet "
                       "stable; it may change or move without notice."}],
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.health = health
    # Work done outside a request (the outbox: e-mail) finds the settings in its session's info.
    app.state.write_sessions = make_sessionmaker(engine, write=True, info={"settings": settings})
    app.state.read_sessions = make_sessionmaker(engine, write=False, info={"settings": settings})
    app.state.db_gates = {}  # api/deps.py: admission to the database, per event loop
    install_error_handlers(app)
    install_openapi(app)
    install_probes(app)
    for router in v1.routers:
        app.include_router(router, prefix=v1.PREFIX)
    for router in preview.routers:
        app.include_router(router, prefix=preview.PREFIX)
    skip_foreign_routers(app)
    install_web(app)
    install_old_links(app)  # /bugs/N, /+bug/N, /<project>/+bug/N → /story/N (where no route matched)
    app.add_middleware(ApiGZip, compress=_is_api_path)  # API answers over 1 KiB gzipped (not SSE)
    app.add_middleware(V1PathMiddleware, max_body=settings.max_body_bytes,
                       max_anonymous_body=settings.max_anonymous_body_bytes,
                       max_attachment=settings.max_attachment_bytes)
    if settings.cors_allowed_origins:
        app.add_middleware(
            CORSMiddleware, origins=settings.cors_allowed_origins, max_age=settings.cors_max_age
        )
    return app
