"""Compressed answers.

The built web client's files as the browser accepts them: a `.br` or `.gz` sibling made at build time
(web/scripts/precompress.ts, a Vite plugin) is sent with `Content-Encoding` when the request's
`Accept-Encoding` allows it; every answer for such a file says `Vary: Accept-Encoding`. Hashed files
under assets/ are cached for a year (`immutable`), the rest (index.html) revalidated (`no-cache`).

API answers are gzipped as they are sent (`ApiGZip`): those over 1 KiB, for clients that accept gzip."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import FileResponse
from starlette.types import ASGIApp, Receive, Scope, Send

# Preferred first: brotli is about 15 % smaller than gzip on the main script.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def accepted_encodings(header: str) -> set[str]:
    """The content codings an `Accept-Encoding` header accepts (q > 0), lower case; `*` stands for any
    coding the header does not name."""
    accepted: set[str] = set()
    refused: set[str] = set()
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        (accepted if q > 0 else refused).add(coding)
    if "*" in accepted:
        accepted |= {name for name, _ in ENCODINGS if name not in refused}
    return accepted


def file_response(path: Path, accept_encoding: str, immutable: bool) -> FileResponse:
    """`path` (a built file), or its precompressed sibling in the best coding the client accepts."""
    headers = {"cache-control": IMMUTABLE if immutable else REVALIDATE}
    media_type, coding = mimetypes.guess_type(path.name)
    if coding or not media_type:  # x.js.gz asked for by name: bytes as they are, never as script
        media_type = "application/octet-stream"
    siblings = [(name, path.with_name(path.name + suffix)) for name, suffix in ENCODINGS]
    present = [(name, sibling) for name, sibling in siblings if sibling.is_file()]
    if present:
        headers["vary"] = "Accept-Encoding"
        accepted = accepted_encodings(accept_encoding)
        for name, sibling in present:
            if name in accepted:
                headers["content-encoding"] = name
                return FileResponse(sibling, media_type=media_type, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)


class ApiGZip:
    """Starlette's GZipMiddleware on the paths `compress(path)` picks (the API's): answers of 1 KiB or
    more, to clients that accept gzip, at level 6 (most of level 9's gain for far less CPU). It lets
    text/event-stream, images, archives and partial answers pass as they are; a streamed JSON array is
    compressed chunk by chunk, each flushed. The web client's files are not its business: they come
    precompressed (`file_response`)."""

    def __init__(self, app: ASGIApp, compress: Callable[[str], bool], minimum_size: int = 1024) -> None:
        self.app = app
        self.compress = compress
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=6)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.compress(scope["path"]):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
