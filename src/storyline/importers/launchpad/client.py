"""Launchpad's JSON web service over HTTP (lazr.restful), without WADL.

* Links in answers name the real service (`https://api.launchpad.net/devel/...`); every link is mapped
  onto the configured API root, so the same code talks to Launchpad, a staging copy or a test double.
* OAuth 1.0 with the PLAINTEXT signature (what launchpadlib sends): consumer key, access token and
  `&<token secret>` as the signature. No credentials: anonymous, which sees public bugs only.
* 5xx answers, timeouts and dropped connections are retried with exponential backoff and jitter.
* Collections are followed to the end through `next_collection_link`; a `total_size_link` (devel's
  named operations) is fetched for the count.
"""

from __future__ import annotations

import asyncio
import configparser
import http.client
import json
import random
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import orjson

CANONICAL_HOSTS = ("https://api.launchpad.net/", "https://api.staging.launchpad.net/",
                   "https://api.qastaging.launchpad.net/")
RETRY_STATUSES = {429, 500, 502, 503, 504}


class LaunchpadError(Exception):
    """A request that cannot succeed (after the retries): `url` names it."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{message} ({url})")
        self.url = url
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Credentials:
    consumer_key: str = "storyline"
    token: str = ""
    token_secret: str = ""
    consumer_secret: str = ""

    @property
    def anonymous(self) -> bool:
        return not self.token

    def header(self) -> str:
        """The OAuth 1.0 PLAINTEXT Authorization header (signature: consumer secret & token secret)."""
        signature = f"{quote(self.consumer_secret, safe='')}&{quote(self.token_secret, safe='')}"
        params = {
            "oauth_consumer_key": self.consumer_key, "oauth_token": self.token,
            "oauth_signature_method": "PLAINTEXT", "oauth_signature": signature,
            "oauth_timestamp": str(int(time.time())), "oauth_nonce": f"{random.getrandbits(64):016x}",
            "oauth_version": "1.0",
        }
        return 'OAuth realm="https://api.launchpad.net/", ' + ", ".join(
            f'{k}="{quote(v, safe="")}"' for k, v in params.items())


def read_credentials_file(path: str | Path) -> Credentials:
    """launchpadlib's credentials file: an INI section `[1]` with consumer_key, consumer_secret,
    access_token and access_secret."""
    parser = configparser.ConfigParser()
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ValueError(f"cannot read the credentials file {path}: {exc.strerror}") from exc
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise ValueError(f"{path} is not a launchpadlib credentials file: {exc}") from exc
    if not parser.has_section("1"):
        raise ValueError(f"{path} is not a launchpadlib credentials file (no [1] section)")
    section = parser["1"]
    token = section.get("access_token", "").strip()
    if not token:
        raise ValueError(f"{path} holds no access_token")
    return Credentials(consumer_key=section.get("consumer_key", "").strip() or "storyline", token=token,
                       token_secret=section.get("access_secret", "").strip(),
                       consumer_secret=section.get("consumer_secret", "").strip())


def normalise_root(api_root: str) -> str:
    root = api_root.strip()
    if not root.startswith(("http://", "https://")):
        raise ValueError(f"--api-root must be an http(s) URL, not {api_root!r}")
    return root if root.endswith("/") else root + "/"


def default_web_root(api_root: str) -> str:
    """Where the people's web pages are: launchpad.net for api.launchpad.net (and staging), else the
    API root's own origin."""
    parts = urlsplit(api_root)
    host = parts.netloc
    if host.startswith("api."):
        host = host[4:]
    return f"{parts.scheme}://{host}/"


class Response:
    """An answer: status, headers (lower-case names), body, and the URL that gave it (after redirects)."""

    __slots__ = ("status_code", "headers", "content", "url")

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes, url: str) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.url = url

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


_PART = 1 << 20  # a body is read in parts of this size at most


class _Connection:
    """One keep-alive HTTP/1.1 connection (asyncio streams)."""

    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    def close(self) -> None:
        self.writer.close()


class _Connections:
    """Keep-alive HTTP/1.1 connections on the event loop, at most `limit` at once (plain or TLS; chunked
    and length-delimited bodies; redirects). No thread per request: a request costs its bytes on a socket
    and the parsing of one status line and a few headers."""

    def __init__(self, timeout: float, limit: int) -> None:
        self.timeout = timeout
        self.idle: dict[tuple[str, str], list[_Connection]] = {}
        self.slots = asyncio.Semaphore(limit)
        self.context: ssl.SSLContext | None = None

    async def _open(self, scheme: str, netloc: str) -> _Connection:
        host, _, port = netloc.rpartition(":") if netloc.rfind(":") > netloc.rfind("]") else (netloc, "", "")
        host = host.strip("[]")
        if scheme == "https":
            if self.context is None:
                self.context = ssl.create_default_context()
            reader, writer = await asyncio.open_connection(host, int(port or 443), ssl=self.context,
                                                           limit=2**20)
        else:
            reader, writer = await asyncio.open_connection(host, int(port or 80), limit=2**20)
        return _Connection(reader, writer)

    def close(self) -> None:
        for pool in self.idle.values():
            for conn in pool:
                conn.close()
        self.idle.clear()

    async def fetch(self, url: str, headers: dict[str, str]) -> Response:
        """GET `url`, following up to five redirects (the Authorization header stays on its origin). The
        timeout is for each step (connecting, each part of an answer), as a socket's: a large file that
        keeps coming is not cut."""
        async with self.slots, asyncio.timeout(self.timeout) as deadline:
            return await self._fetch(url, headers, deadline)

    async def _fetch(self, url: str, headers: dict[str, str], deadline: asyncio.Timeout) -> Response:
        origin = urlsplit(url).netloc
        loop = asyncio.get_running_loop()
        for _ in range(6):
            deadline.reschedule(loop.time() + self.timeout)
            parts = urlsplit(url)
            key = (parts.scheme, parts.netloc)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            sent = headers if parts.netloc == origin else {k: v for k, v in headers.items() if k != "Authorization"}
            head = "".join(f"{k}: {v}\r\n" for k, v in sent.items())
            request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}\r\n".encode("latin-1")
            for attempt in (1, 2):
                pool = self.idle.setdefault(key, [])
                reused = bool(pool)
                conn = pool.pop() if pool else await self._open(*key)
                try:
                    conn.writer.write(request)
                    status, answer_headers, body, keep = await self._response(conn.reader, deadline, self.timeout)
                except (OSError, EOFError, asyncio.LimitOverrunError, ValueError):
                    conn.close()
                    if reused and attempt == 1:
                        continue  # the server closed an idle keep-alive connection: once more, afresh
                    raise
                except BaseException:  # a timeout or a cancellation mid-answer: the connection is unusable
                    conn.close()
                    raise
                if keep:
                    pool.append(conn)
                else:
                    conn.close()
                break
            location = answer_headers.get("location")
            if status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                continue
            return Response(status, answer_headers, body, url)
        raise http.client.HTTPException(f"too many redirects ({url})")

    @staticmethod
    async def _response(reader: asyncio.StreamReader, deadline: asyncio.Timeout,
                        timeout: float) -> tuple[int, dict[str, str], bytes, bool]:
        loop = asyncio.get_running_loop()

        async def exactly(n: int) -> bytes:
            if n <= _PART:
                return await reader.readexactly(n)
            parts = []
            while n > 0:  # a large body in parts, the clock restarted by each
                parts.append(await reader.readexactly(min(n, _PART)))
                n -= len(parts[-1])
                deadline.reschedule(loop.time() + timeout)
            return b"".join(parts)

        while True:
            raw = await reader.readuntil(b"\r\n\r\n")
            lines = raw.decode("latin-1").split("\r\n")
            status_line = lines[0].split(None, 2)
            if len(status_line) < 2 or not status_line[0].startswith("HTTP/") or not status_line[1].isdigit():
                raise ValueError(f"not an HTTP answer: {lines[0][:80]!r}")
            status = int(status_line[1])
            headers: dict[str, str] = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(":")
                    name = name.strip().lower()
                    value = value.strip()
                    headers[name] = f"{headers[name]}, {value}" if name in headers else value
            if not 100 <= status < 200:
                break  # (an interim 1xx answer is followed by the real one)
        connection = headers.get("connection", "").lower()
        keep = status_line[0] != "HTTP/1.0" and "close" not in connection
        if status in (204, 304):
            return status, headers, b"", keep
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass  # trailers
                    break
                chunks.append(await exactly(size))
                await reader.readexactly(2)
                deadline.reschedule(loop.time() + timeout)
            return status, headers, b"".join(chunks), keep
        length = headers.get("content-length")
        if length is not None:
            return status, headers, await exactly(int(length)), keep
        rest = []
        while part := await reader.read(_PART):  # delimited by the end of the connection
            rest.append(part)
            deadline.reschedule(loop.time() + timeout)
        return status, headers, b"".join(rest), False


class Client:
    """An asyncio client of one Launchpad web service root: at most `concurrency` keep-alive
    connections, requests scheduled, retried and paged on the event loop."""

    def __init__(self, api_root: str, credentials: Credentials | None = None, *, concurrency: int = 16,
                 timeout: float = 30.0, retries: int = 8, backoff: float = 0.25, web_root: str | None = None) -> None:
        self.api_root = normalise_root(api_root)
        self.web_root = normalise_root(web_root) if web_root else default_web_root(self.api_root)
        self.credentials = credentials or Credentials()
        self.retries = retries
        self.backoff = backoff
        self.requests = 0
        self.retried = 0
        self.concurrency = concurrency
        self.timeout = timeout
        self._pools: dict[asyncio.AbstractEventLoop, _Connections] = {}
        self._headers = {"Accept": "application/json", "User-Agent": "storyline-import/1"}

    async def aclose(self) -> None:
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            pool.close()

    def _connections(self) -> _Connections:
        """The connections of the running event loop (a loop's streams cannot serve another loop)."""
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = self._pools[loop] = _Connections(self.timeout, self.concurrency)
        return pool

    # ---- links ----------------------------------------------------------------------------------

    def url(self, link: str) -> str:
        """A link from an answer (or a path relative to the root) as a URL of the configured root."""
        if link.startswith(self.api_root):
            return link
        for host in CANONICAL_HOSTS:
            if link.startswith(host):
                rest = link[len(host):]
                version, _, tail = rest.partition("/")
                return self.api_root + tail if version else self.api_root
        if link.startswith("https://launchpad.net/"):
            return self.web_root + link[len("https://launchpad.net/"):]
        if link.startswith(("http://", "https://")):
            return link
        return self.api_root + link.lstrip("/")

    def path(self, link: str) -> str:
        """The part of a link after the API root (`nova/+bug/5`, `~alice`, `bugs/5`)."""
        url = self.url(link)
        return url[len(self.api_root):] if url.startswith(self.api_root) else url

    # ---- requests -------------------------------------------------------------------------------

    async def get(self, link: str, params: Any = None, *, accept: str = "application/json") -> Response:
        url = self.url(link)
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        headers = dict(self._headers, Accept=accept)
        delay = self.backoff
        attempt = 0
        connections = self._connections()
        while True:
            attempt += 1
            if not self.credentials.anonymous:
                headers["Authorization"] = self.credentials.header()
            self.requests += 1
            try:
                response = await connections.fetch(url, headers)
            except (http.client.HTTPException, OSError, EOFError, ValueError, asyncio.LimitOverrunError) as exc:
                # (OSError: timeouts too; EOFError: a connection closed mid-answer)
                failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                status = None
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                failure, status = f"HTTP {response.status_code}", response.status_code
            if attempt > self.retries:
                raise LaunchpadError(url, f"gave up after {attempt} tries: {failure}", status)
            self.retried += 1
            await asyncio.sleep(min(delay, 30.0) * (0.5 + random.random()))
            delay *= 2

    async def get_json(self, link: str, params: Any = None) -> Any:
        response = await self.get(link, params)
        full = response.url
        if response.status_code == 404:
            raise LaunchpadError(full, "not found (or not visible with these credentials)", 404)
        if response.status_code in (401, 403):
            raise LaunchpadError(full, f"refused ({response.status_code}): check the token and its permissions",
                                 response.status_code)
        if response.status_code != 200:
            raise LaunchpadError(full, f"unexpected answer {response.status_code}", response.status_code)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            pass
        try:  # lone surrogates (\ud800) are valid JSON that orjson refuses; mapping.clean replaces them
            return json.loads(response.content.decode("utf-8", "replace"))
        except ValueError as exc:
            raise LaunchpadError(full, "the answer is not JSON") from exc

    async def entries(self, link: str | None, params: Any = None) -> AsyncIterator[dict[str, Any]]:
        """Every entry of a collection, page after page, to the end."""
        if not link:
            return
        page = await self.get_json(link, params)
        while True:
            if not isinstance(page, dict):
                raise LaunchpadError(self.url(link), "a collection answer is not a JSON object")
            for entry in page.get("entries") or []:
                if isinstance(entry, dict):
                    yield entry
            nxt = page.get("next_collection_link")
            if not nxt:
                return
            page = await self.get_json(nxt)

    async def collection(self, link: str | None, params: Any = None) -> list[dict[str, Any]]:
        return [entry async for entry in self.entries(link, params)]

    async def total_size(self, page: dict[str, Any]) -> int | None:
        """A collection's size: `total_size`, else fetched from `total_size_link` (devel)."""
        size = page.get("total_size")
        if isinstance(size, int):
            return size
        link = page.get("total_size_link")
        if link:
            value = await self.get_json(link)
            return value if isinstance(value, int) else None
        return None

    async def get_text(self, link: str) -> str | None:
        """A web page (OpenID discovery): None when it cannot be had."""
        try:
            response = await self.get(link, accept="text/html, application/xhtml+xml")
        except LaunchpadError:
            return None
        return response.text if response.status_code == 200 else None

    async def get_bytes(self, link: str) -> tuple[bytes, str]:
        """A file behind a `data_link` (Launchpad redirects to the librarian): content and type."""
        response = await self.get(link, accept="*/*")
        if response.status_code != 200:
            raise LaunchpadError(response.url, f"unexpected answer {response.status_code}",
                                 response.status_code)
        ctype = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
        return response.content, ctype or "application/octet-stream"


__all__ = ["Client", "Credentials", "LaunchpadError", "read_credentials_file"]
