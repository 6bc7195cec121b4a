"""A minimal keep-alive HTTP/1.1 client for loopback servers (lighter than httpx, so the client
costs as little CPU as possible on a machine it shares with the server under test)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

LOOPBACK = "127.0.0.1"


class TransportError(Exception):
    """The connection failed before a complete response arrived."""


@dataclass(frozen=True)
class Target:
    """One server under test: a name for the report, its base URL and an admin bearer token."""

    name: str
    base_url: str
    token: str

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme != "http" or parts.hostname != LOOPBACK or not parts.port:
            raise ValueError(f"the benchmark only talks to http://{LOOPBACK}:<port>, not {self.base_url!r}")

    @property
    def port(self) -> int:
        port = urlsplit(self.base_url).port
        assert port is not None
        return port


class Conn:
    """One persistent connection (reopened transparently when the server closed it)."""

    def __init__(self, target: Target, timeout: float = 300.0) -> None:
        self.target = target
        self.timeout = timeout
        self.headers = {
            "Authorization": f"Bearer {target.token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(LOOPBACK, self.target.port, timeout=self.timeout)
        return self._conn

    def request(self, method: str, path: str, body: Any = None,
                query: list[tuple[str, Any]] | None = None) -> tuple[int, bytes]:
        """Send one request; returns (status, body). Raises TransportError when no response came."""
        if query:
            path = f"{path}?{urlencode(query)}"
        data = None if body is None else json.dumps(body).encode()
        conn = self._connection()
        try:
            conn.request(method, path, body=data, headers=self.headers)
            resp = conn.getresponse()
            payload = resp.read()
        except (http.client.HTTPException, OSError) as exc:
            self.close()
            raise TransportError(f"{method} {path}: {exc!r}") from exc
        if resp.will_close:
            self.close()
        return resp.status, payload

    def get(self, path: str, retries: int = 2) -> tuple[int, bytes]:
        """GET, retried on a dropped connection (an idle keep-alive connection may close at any time)."""
        for attempt in range(retries + 1):
            try:
                return self.request("GET", path)
            except TransportError:
                if attempt == retries:
                    raise
        raise AssertionError("unreachable")

    def get_json(self, path: str) -> Any:
        status, payload = self.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} on {self.target.name} answered {status}: {payload[:300]!r}")
        return json.loads(payload)
