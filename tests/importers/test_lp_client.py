"""The Launchpad client's HTTP on the event loop against small raw servers on 127.0.0.1: chunked and
length-delimited answers, keep-alive reuse, a server closing an idle connection, redirects (the token
kept on its origin), a slow large file (the timeout is per step, as a socket's) and a server that stalls."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from storyline.importers.launchpad.client import Client, Credentials, LaunchpadError
from storyline.importers.launchpad.run import in_own_loop

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, list[dict[str, str]]], Awaitable[None]]


class Server:
    """A raw HTTP server in a thread of its own; `seen` holds the headers of every request."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.seen: list[dict[str, str]] = []
        self.connections = 0
        self.handlers: set[asyncio.Task[None]] = set()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self.loop)
            self.server = self.loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
            self.port = self.server.sockets[0].getsockname()[1]
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        ready.wait(10)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)
        try:
            await self.handler(reader, writer, self.seen)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self.handlers.discard(task)

    async def _close(self) -> None:
        self.server.close()
        for task in list(self.handlers):
            task.cancel()
        await asyncio.gather(*self.handlers, return_exceptions=True)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


async def read_request(reader: asyncio.StreamReader, seen: list[dict[str, str]]) -> str | None:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
    headers[":target"] = lines[0].split()[1]
    seen.append(headers)
    return headers[":target"]


@pytest.fixture()
def serve() -> Iterator[Callable[[Handler], Server]]:
    servers: list[Server] = []

    def start(handler: Handler) -> Server:
        servers.append(Server(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def fetch(client: Client, *links: str, kind: str = "json") -> list[Any]:
    async def run() -> list[Any]:
        try:
            if kind == "bytes":
                return [await client.get_bytes(link) for link in links]
            return [await client.get_json(link) for link in links]
        finally:
            await client.aclose()

    return in_own_loop(run)


def test_chunked_and_length_answers_on_one_kept_connection(serve: Callable[[Handler], Server]) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[Any]) -> None:
        while True:
            target = await read_request(reader, seen)
            if target == "/devel/chunked":
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"7\r\n{\"a\": [\r\n5;x=1\r\n1, 2]\r\n1\r\n}\r\n0\r\nTrailer: x\r\n\r\n")
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{\"b\": 3}")
            await writer.drain()

    server = serve(handler)
    client = Client(f"http://127.0.0.1:{server.port}/devel/", Credentials("storyline", "tok", "sec"), concurrency=1)
    assert fetch(client, "chunked", "plain", "chunked") == [{"a": [1, 2]}, {"b": 3}, {"a": [1, 2]}]
    assert server.connections == 1
    assert all(h["authorization"].startswith("OAuth ") and 'oauth_token="tok"' in h["authorization"]
               for h in server.seen)


def test_an_idle_connection_closed_by_the_server_is_opened_again(serve: Callable[[Handler], Server]) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[Any]) -> None:
        await read_request(reader, seen)  # one answer per connection, without saying so (HTTP/1.1 keep-alive)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")
        await writer.drain()

    server = serve(handler)
    client = Client(f"http://127.0.0.1:{server.port}/devel/", concurrency=1, retries=0)
    assert fetch(client, "a", "b", "c") == [[], [], []]
    assert server.connections == 3 and client.retried == 0


def test_redirect_to_another_host_drops_the_token(serve: Callable[[Handler], Server]) -> None:
    async def files(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[Any]) -> None:
        await read_request(reader, seen)
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/x-diff; charset=utf-8\r\n\r\n--- a\n+++ b\n")
        await writer.drain()  # HTTP/1.0 without a length: the body ends with the connection

    librarian = serve(files)

    async def api(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[Any]) -> None:
        await read_request(reader, seen)
        location = f"http://localhost:{librarian.port}/file.diff".encode()
        writer.write(b"HTTP/1.1 303 See Other\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()

    server = serve(api)
    client = Client(f"http://127.0.0.1:{server.port}/devel/", Credentials("storyline", "tok", "sec"))
    assert fetch(client, "bugs/1/+attachment/1/data", kind="bytes") == [(b"--- a\n+++ b\n", "text/x-diff")]
    assert "authorization" in server.seen[0] and "authorization" not in librarian.seen[0]


def test_timeouts_are_per_step(serve: Callable[[Handler], Server]) -> None:
    part = 1 << 20

    async def slow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[Any]) -> None:
        target = await read_request(reader, seen)
        if target == "/devel/stalls":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345")
            await writer.drain()
            await asyncio.sleep(5)
            return
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Length: {3 * part}\r\n\r\n".encode())
        for _ in range(3):  # 3 MiB over about 3 s: longer than the timeout in all, each part well within it
            await asyncio.sleep(1.0)
            writer.write(b"x" * part)
            await writer.drain()

    server = serve(slow)
    client = Client(f"http://127.0.0.1:{server.port}/devel/", timeout=2.5, retries=0)  # 1.5 s to spare per part
    [(data, _)] = fetch(client, "large", kind="bytes")
    assert len(data) == 3 * part
    client = Client(f"http://127.0.0.1:{server.port}/devel/", timeout=1.0, retries=0)
    with pytest.raises(LaunchpadError, match="TimeoutError"):
        fetch(client, "stalls")


def test_the_import_runs_its_loop_beside_a_running_one() -> None:
    """The importer's event loop starts even when the calling thread runs one already (a test process
    whose browser driver keeps a loop running, an application embedding the import): in a thread of
    its own, the caller getting the result."""
    async def work() -> int:
        await asyncio.sleep(0)
        return 42

    async def caller() -> int:
        return in_own_loop(work)

    assert in_own_loop(work) == 42
    # A thread of its own, where the caller's loop certainly runs (this test's thread may already run one).
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, caller()).result() == 42
