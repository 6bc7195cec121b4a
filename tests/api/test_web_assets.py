"""The web client's files compressed and cached (issue 15): the build's .br/.gz siblings
(web/scripts/precompress.ts) sent to browsers that accept them, hashed files cached for a year,
index.html revalidated; API JSON answers over 1 KiB gzipped.

The client must be built (`make web`; `make test` builds it before the suite)."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess

import pytest
from builders import uniq
from fastapi.testclient import TestClient

from storyline.app import WEB_DIR
from storyline.precompressed import ApiGZip, accepted_encodings

IMMUTABLE = "public, max-age=31536000, immutable"


def built_main_script() -> str:
    index = WEB_DIR / "index.html"
    assert index.is_file(), f"{index} is missing: build the web client first (make web)"
    found = re.search(r'<script type="module"[^>]* src="(/assets/index-[^"]+\.js)"', index.read_text())
    assert found, "index.html names no main script"
    return found.group(1)


def raw_get(client, path: str, accept_encoding: str) -> tuple[dict[str, str], bytes]:
    """The answer's headers and its bytes as sent (not decoded by httpx)."""
    with client.stream("GET", path, headers={"Accept-Encoding": accept_encoding}) as r:
        assert r.status_code == 200, path
        return dict(r.headers), b"".join(r.iter_raw())


def brotli_decode(data: bytes) -> bytes:
    """Python has no brotli in the standard library; Node.js (which builds the client) does."""
    node = shutil.which("node")
    assert node, "node is needed to build the web client"
    script = "process.stdout.write(require('zlib').brotliDecompressSync(require('fs').readFileSync(0)))"
    return subprocess.run([node, "-e", script], input=data, capture_output=True, check=True).stdout


def test_main_script_in_each_coding_decodes_to_the_built_file(client):
    path = built_main_script()
    original = (WEB_DIR / path.lstrip("/")).read_bytes()

    headers, body = raw_get(client, path, "gzip, deflate")
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == original
    assert len(body) < len(original) / 2
    assert headers["content-length"] == str(len(body))
    assert headers["vary"] == "Accept-Encoding"
    assert headers["cache-control"] == IMMUTABLE
    assert headers["content-type"].startswith("text/javascript")

    headers, body = raw_get(client, path, "gzip, deflate, br, zstd")
    assert headers["content-encoding"] == "br"
    assert brotli_decode(body) == original
    assert headers["vary"] == "Accept-Encoding" and headers["cache-control"] == IMMUTABLE

    for refused in ("identity", "gzip;q=0, br;q=0", ""):
        headers, body = raw_get(client, path, refused)
        assert "content-encoding" not in headers, refused
        assert body == original
        assert headers["vary"] == "Accept-Encoding" and headers["cache-control"] == IMMUTABLE

    headers, body = raw_get(client, path, "br;q=0, *")
    assert headers["content-encoding"] == "gzip" and gzip.decompress(body) == original


def test_stylesheet_compressed_too(client):
    css = re.search(r'href="(/assets/index-[^"]+\.css)"', (WEB_DIR / "index.html").read_text())
    assert css
    headers, body = raw_get(client, css.group(1), "gzip")
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == (WEB_DIR / css.group(1).lstrip("/")).read_bytes()
    assert headers["content-type"].startswith("text/css") and headers["cache-control"] == IMMUTABLE


@pytest.mark.parametrize("path", ["/", "/project/nova", "/story/12", "/index.html"])
def test_index_is_revalidated_never_cached_as_immutable(client, path):
    original = (WEB_DIR / "index.html").read_bytes()
    headers, body = raw_get(client, path, "gzip")
    assert headers["cache-control"] == "no-cache"
    assert headers["content-type"].startswith("text/html")
    assert (gzip.decompress(body) if headers.get("content-encoding") == "gzip" else body) == original
    headers, body = raw_get(client, path, "identity")
    assert headers["cache-control"] == "no-cache" and body == original


def test_a_precompressed_file_asked_for_by_name_is_not_served_as_script(client):
    path = built_main_script() + ".gz"
    headers, body = raw_get(client, path, "identity")
    assert headers["content-type"] == "application/octet-stream"
    assert "content-encoding" not in headers
    assert gzip.decompress(body) == (WEB_DIR / built_main_script().lstrip("/")).read_bytes()


def test_large_api_answers_are_gzipped_small_ones_not(client, api):
    for _ in range(12):
        api.project(uniq("compress-me-"), description="A project whose description takes some room. " * 3)
    path = "/v1/projects?limit=12&sort_dir=desc"
    plain_headers, plain = raw_get(client, path, "identity")
    assert "content-encoding" not in plain_headers and len(plain) > 1024
    headers, body = raw_get(client, path, "gzip, br")  # brotli is for the prebuilt files only
    assert headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]
    assert gzip.decompress(body) == plain
    assert len(body) < len(plain)

    small_headers, small = raw_get(client, "/v1/systeminfo", "gzip")
    assert len(small) < 1024 and "content-encoding" not in small_headers


def test_accept_encoding_parsing():
    assert accepted_encodings("gzip, deflate, br") == {"gzip", "deflate", "br"}
    assert accepted_encodings("GZIP;q=0.5, br;q=0") == {"gzip"}
    assert accepted_encodings("br;q=bad") == set()
    assert accepted_encodings("*") == {"*", "br", "gzip"}
    assert accepted_encodings("*;q=1, gzip;q=0") == {"*", "br"}
    assert accepted_encodings("") == set()


def _streaming_app(content_type: bytes):
    """Answers in two chunks of 3,000 bytes, like a live event stream or a streamed JSON array."""

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", content_type)]})
        await send({"type": "http.response.body", "body": b"data: {}\n\n" * 300, "more_body": True})
        await send({"type": "http.response.body", "body": b"data: {}\n\n" * 300, "more_body": False})

    return app


def test_event_streams_are_never_compressed_streamed_json_is():
    sse = TestClient(ApiGZip(_streaming_app(b"text/event-stream"), compress=lambda path: True))
    headers, body = raw_get(sse, "/preview/live", "gzip, br")
    assert "content-encoding" not in headers and body == b"data: {}\n\n" * 600
    streamed = TestClient(ApiGZip(_streaming_app(b"application/json"), compress=lambda path: True))
    headers, body = raw_get(streamed, "/v1/stories", "gzip")
    assert headers["content-encoding"] == "gzip" and gzip.decompress(body) == b"data: {}\n\n" * 600
    # Paths the predicate leaves out (the web client's: precompressed at build) pass as they are.
    web = TestClient(ApiGZip(_streaming_app(b"application/json"), compress=lambda path: path.startswith("/v1")))
    headers, body = raw_get(web, "/assets/x.json", "gzip")
    assert "content-encoding" not in headers and len(body) == 6000
