"""`storyline webhooks list|add|remove`, as subprocesses, and `storyline worker --once` (a worker process
of its own, the API's running none) delivering to a real receiver on loopback."""

from __future__ import annotations

import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fastapi.testclient import TestClient
from test_cli import auth, cli, migrated  # noqa: F401  (fixtures)

from storyline.app import create_app
from storyline.config import Settings


def test_add_list_remove(migrated):  # noqa: F811
    c = migrated
    c.run("users", "create", "--name", "Hook Admin", "--email", "hooks@example.org", "--superuser")
    c.run("users", "create", "--name", "Bot Owner", "--email", "bot@example.org")
    token = c.run("tokens", "create", "--user", "bot@example.org").stdout.strip()
    with c.app_client() as client:
        admin = c.run("tokens", "create", "--user", "hooks@example.org").stdout.strip()
        project = client.post("/v1/projects", json={"name": "openstack/nova"}, headers=auth(admin)).json()

    out = c.run("webhooks", "add", "https://ci.example.org/storyline", "--owner", "bot@example.org",
                "--project", "openstack/nova", "--events", "user_comment,task_status_changed").stdout
    hook_id, secret = out.strip().split("\t")
    assert hook_id.isdigit() and len(secret) >= 40
    everything = c.run("webhooks", "add", "https://audit.example.org/", "--owner", "hooks@example.org").stdout
    assert everything.split("\t")[0].isdigit()

    listing = c.run("webhooks", "list").stdout.splitlines()
    assert listing[0].split("\t") == [hook_id, f"project {project['id']}", "https://ci.example.org/storyline",
                                      "bot@example.org", "on", "0", "task_status_changed,user_comment"]
    assert listing[1].split("\t")[1:3] == ["all", "https://audit.example.org/"]
    assert c.run("webhooks", "list", "--project", "openstack/nova").stdout.splitlines() == listing[:1]
    with c.app_client() as client:  # the owner sees it through the API, without its secret
        [mine] = client.get("/preview/webhooks", headers=auth(token)).json()
        assert mine["id"] == int(hook_id) and mine["event_types"] == ["task_status_changed", "user_comment"]
        assert "secret" not in mine

    for bad, message in ((["ftp://x", "--owner", "bot@example.org"], "url"),
                         (["https://x.example.org", "--owner", "nobody@example.org"], "no user"),
                         (["https://x.example.org", "--owner", "bot@example.org", "--project", "no/such"], "no project"),
                         (["https://x.example.org", "--owner", "bot@example.org", "--events", "nope"], "event_types")):
        done = c.run("webhooks", "add", *bad, ok=False)
        assert done.returncode == 1 and message in done.stderr, (bad, done.stderr)
    assert len(c.run("webhooks", "list").stdout.splitlines()) == 2  # nothing written by the failures

    assert "removed" in c.run("webhooks", "remove", hook_id).stdout
    assert c.run("webhooks", "remove", hook_id, ok=False).returncode == 1
    assert len(c.run("webhooks", "list").stdout.splitlines()) == 1


def test_a_worker_process_delivers(migrated):  # noqa: F811
    c = migrated
    got: list[tuple[dict[str, str], bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            got.append(({k.lower(): v for k, v in self.headers.items()},
                        self.rfile.read(int(self.headers.get("Content-Length") or 0))))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        c.run("users", "create", "--name", "Hook Admin", "--email", "hooks@example.org", "--superuser")
        token = c.run("tokens", "create", "--user", "hooks@example.org").stdout.strip()
        api = TestClient(create_app(Settings(database_url=c.url, worker_in_process=False)))
        with api:
            project = api.post("/v1/projects", json={"name": "openstack/nova"}, headers=auth(token)).json()
            hook_id, secret = c.run("webhooks", "add", f"http://127.0.0.1:{server.server_address[1]}/in", "--owner",
                                    "hooks@example.org", "--project", "openstack/nova").stdout.strip().split("\t")
            story = api.post("/v1/stories", json={"title": "Told by the worker"}, headers=auth(token)).json()
            api.post("/v1/tasks", json={"title": "Some work", "story_id": story["id"], "project_id": project["id"]},
                     headers=auth(token))
            api.get("/v1/subscription_events", headers=auth(token))  # the API's local lane queued the delivery
            assert got == []  # the API process sends nothing itself
            assert "worker pass" in c.run("worker", "--once").stdout
            [(headers, body)] = got
            assert headers["x-storyline-event"] == "task_created" and headers["x-storyline-hook-id"] == hook_id
            assert headers["x-storyline-signature-256"] == "sha256=" + hmac.new(
                secret.encode(), body, hashlib.sha256).hexdigest()
            [entry] = api.get(f"/preview/webhooks/{hook_id}/deliveries", headers=auth(token)).json()
            assert entry["status"] == "delivered" and entry["response_code"] == 204
    finally:
        server.shutdown()
        server.server_close()
