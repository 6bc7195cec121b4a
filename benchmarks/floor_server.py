"""The floor over HTTP: the floor's reads (benchmarks/floor.py) served by uvicorn with nothing else.

The floor is timed in-process, so it contains no HTTP at all. This server answers the same two paths
(`/v1/stories/{id}` and `/v1/stories/{id}/tasks`) with the floor's own functions, the same driver,
rows and JSON, behind the same HTTP server as `storyline serve` (uvicorn) and timed by the same
client: no routing, no authentication lookup, no ORM, no validation. The difference between it and
the in-process floor is what one HTTP exchange costs on the machine; the difference between our server
and it is what our server adds.

    python -m benchmarks.floor_server --database-url URL --viewer-id N --port P [--story-keys k1,k2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.client import LOOPBACK, Target
from benchmarks.floor import Floor
from benchmarks.servers import REPO, free_port, stop_process, wait_ready

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def make_app(floor: Floor) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """A bare ASGI app: the floor's get-story and story-tasks reads, and /v1/systeminfo (readiness)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        parts = scope["path"].strip("/").split("/")
        status, body = 404, b'{"faultstring":"not a floor path"}'
        if parts == ["v1", "systeminfo"]:
            status, body = 200, b"{}"
        elif len(parts) in (3, 4) and parts[:2] == ["v1", "stories"] and parts[2].isdigit():
            if len(parts) == 3:
                status, body = 200, floor.get_story(int(parts[2]))
            elif parts[3] == "tasks":
                status, body = 200, floor.story_tasks(int(parts[2]))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return app


class FloorServer:
    """The floor server as a subprocess on a free loopback port."""

    def __init__(self, database_url: str, viewer_id: int, story_keys: set[str]) -> None:
        self.args = ["--database-url", database_url, "--viewer-id", str(viewer_id),
                     "--story-keys", ",".join(sorted(story_keys))]
        self.log = Path(tempfile.mkstemp(prefix="storyline-floor-", suffix=".log")[1])
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Target:
        port = free_port()
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "benchmarks.floor_server", *self.args, "--port", str(port)],
                cwd=REPO, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)
        target = Target("floor over HTTP", f"http://{LOOPBACK}:{port}", token="-")
        wait_ready(target, self.proc, self.log, timeout=30)
        return target

    def stop(self) -> None:
        stop_process(self.proc, timeout=10)
        self.proc = None
        self.log.unlink(missing_ok=True)


def main() -> None:
    import uvicorn

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--viewer-id", type=int, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--story-keys", default="", help="keys of a story as our server sends it")
    args = ap.parse_args()
    floor = Floor(args.database_url, args.viewer_id, set(filter(None, args.story_keys.split(","))))
    try:
        # The options `storyline serve` gives uvicorn, minus the access log.
        uvicorn.run(make_app(floor), host=LOOPBACK, port=args.port, log_level="warning", access_log=False)
    finally:
        floor.close()


if __name__ == "__main__":
    main()
