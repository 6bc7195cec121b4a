"""A real `storyline serve` started by a test: waiting until it answers."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

import httpx


def wait_until_serving(base: str, server: subprocess.Popen[Any], log: Path, timeout: float = 60.0,
                       path: str = "/healthz") -> None:
    """Until `base` + `path` answers 200; fails with the server's output when it ended or `timeout`
    seconds went by (a loaded 2-core machine takes over 30 s to import and start)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{base}{path}", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert server.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"storyline serve did not answer within {timeout:.0f} s\n{log.read_text()}"
        time.sleep(0.1)
