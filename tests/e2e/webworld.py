"""The end-to-end world: the server under test, its seeded data, API clients, browser helpers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError
from served import wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
BUILT = ROOT / "src" / "storyline" / "web" / "index.html"
CHROMIUM = os.environ.get("STORYLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
HUGE_TASKS = 1500
STORYLINE = str(Path(sys.executable).parent / "storyline")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([STORYLINE, *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"storyline {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


class Client:
    """The HTTP API as one user (or anonymous)."""

    def __init__(self, base: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=f"{base}/api/v1", headers=headers, timeout=30)

    def call(self, method: str, path: str, **kw: Any) -> Any:
        r = self.http.request(method, path, **kw)
        assert r.status_code in (200, 204), f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Any) -> Any:
        return self.call("POST", path, json=body)


@dataclass
class World:
    base: str
    admin_token: str
    bob_token: str
    admin: dict[str, Any]
    bob: dict[str, Any]
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    story: dict[str, Any] = field(default_factory=dict)
    huge_future: Future[dict[str, Any]] | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def huge(self) -> dict[str, Any]:
        assert self.huge_future is not None
        return self.huge_future.result(timeout=120)

    def api(self, token: str | None = "admin") -> Client:
        value = {"admin": self.admin_token, "bob": self.bob_token}.get(token or "", token)
        return Client(self.base, value)


@contextmanager
def serve(tmp: Path, extra_env: dict[str, str] | None = None) -> Iterator[World]:
    """`storyline serve` on a free loopback port over a new SQLite database, with two users:
    Ada (superuser) and Bob, each with a token made by the CLI."""
    port = free_port()
    env = {**os.environ,
           "STORYLINE_DATABASE_URL": f"sqlite:///{tmp / 'e2e.db'}",
           "STORYLINE_VALID_OAUTH_CLIENTS": '["127.0.0.1", "localhost"]',
           **(extra_env or {})}
    env.pop("STORYLINE_CONFIG", None)
    cli(env, "db", "upgrade")
    cli(env, "users", "create", "--name", "Ada Admin", "--email", "ada@example.org", "--superuser")
    cli(env, "users", "create", "--name", "Bob Builder", "--email", "bob@example.org")
    admin_token = cli(env, "tokens", "create", "--user", "ada@example.org").splitlines()[-1]
    bob_token = cli(env, "tokens", "create", "--user", "bob@example.org").splitlines()[-1]
    log_path = tmp / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([STORYLINE, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(base, server, log_path, timeout=90, path="/v1/systeminfo")
            admin = Client(base, admin_token).get("/users/self")
            bob = Client(base, bob_token).get("/users/self")
            yield World(base=base, admin_token=admin_token, bob_token=bob_token, admin=admin, bob=bob, env=env)
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()


def seed(world: World) -> None:
    a = world.api()
    for name, description in [("nova", "Compute service"), ("glance", "Image service"),
                              ("swift-client", "Object storage client")]:
        world.projects[name] = a.post("/projects", {"name": name, "description": description})
    nova, glance = world.projects["nova"]["id"], world.projects["glance"]["id"]
    # The main story: markdown, a pasted log, tasks on two projects, a comment.
    story = a.post("/stories", {"title": "Scheduler loses instances under load", "description":
                                "Seen on **busy** hosts.\n\n```\nTraceback (most recent call last):\n"
                                "    File \"scheduler.py\", line 42\n  KeyError: 'host'\n```\n\n"
                                "<script>window.pwned = true</script>"})
    a.call("PUT", f"/stories/{story['id']}/tags", params={"tags": "scheduler"})
    for title, project in [("Fix the scheduler race", nova), ("Document the workaround", nova),
                           ("Check image caching", glance)]:
        a.post("/tasks", {"title": title, "story_id": story["id"], "project_id": project})
    a.post(f"/stories/{story['id']}/comments", {"content": "I can reproduce this with `nova boot`."})
    world.story = a.get(f"/stories/{story['id']}")
    # Stories in nova for the project page: 30, so paging at 25 gives two pages.
    for i in range(30):
        s = a.post("/stories", {"title": f"Nova story number {i:02d}"})
        t = a.post("/tasks", {"title": f"Task of story {i:02d}", "story_id": s["id"], "project_id": nova})
        if i % 3 == 0:
            a.call("PUT", f"/tasks/{t['id']}", json={"status": "merged"})
    # Tasks assigned to Bob, in several statuses, for the home page.
    for title, status in [("Bob's todo task", "todo"), ("Bob's review task", "review"), ("Bob's merged task", "merged")]:
        t = a.post("/tasks", {"title": title, "story_id": story["id"], "project_id": glance})
        a.call("PUT", f"/tasks/{t['id']}", json={"status": status, "assignee_id": world.bob["id"]})


def seed_huge(world: World) -> dict[str, Any]:
    """The huge story: 1,500 tasks over three projects (written while the first tests run)."""
    a = world.api()
    huge = a.post("/stories", {"title": "Huge story with fifteen hundred tasks"})
    ids = [p["id"] for p in world.projects.values()]
    for i in range(HUGE_TASKS):
        a.post(f"/stories/{huge['id']}/tasks", {"title": f"Huge task {i:04d}", "project_id": ids[i % 3]})
    return a.get(f"/stories/{huge['id']}")


TRAIL: dict[int, list[str]] = {}
"""Per browser context (by id): what its pages asked the server and what they logged, for a failing
test's report (conftest.py, `pytest_runtest_makereport`)."""


def _record(context: BrowserContext) -> None:
    trail = TRAIL.setdefault(id(context), [])

    def answered(response: Any) -> None:
        request = response.request
        if request.resource_type not in ("fetch", "xhr", "eventsource"):
            return
        line = f"{time.monotonic():.3f} {request.method} {response.url} -> {response.status}"
        if response.status >= 400:
            try:
                line += f" {response.text()[:300]}"
            except PlaywrightError as e:  # the body may be gone with the page
                line += f" (body unreadable: {e})"
        trail.append(line)

    context.on("response", answered)
    context.on("requestfailed", lambda r: trail.append(
        f"{time.monotonic():.3f} {r.method} {r.url} failed: {r.failure}"))
    context.on("console", lambda m: trail.append(f"{time.monotonic():.3f} console {m.type}: {m.text}")
               if m.type in ("error", "warning") else None)


def new_context(browser: Browser, world: World, token: str | None, width: int = 1280) -> BrowserContext:
    context = browser.new_context(base_url=world.base, viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    _record(context)
    if token:
        context.add_init_script(f"localStorage.getItem('storyline.token') === null && "
                                f"localStorage.setItem('storyline.token', {token!r})")
    return context


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def seed_security(world: World) -> dict[str, Any]:
    """The vulnerability management team named by `STORYLINE_VMT_TEAM` (docs/security.md) with one
    member, Vera, and Olga, an ordinary user on no list; each with a token made by the CLI."""
    a = world.api()
    people: dict[str, Any] = {}
    for key, name, email in [("vera", "Vera Vulnerability", "vera@example.org"),
                             ("olga", "Olga Outsider", "olga@example.org")]:
        cli(world.env, "users", "create", "--name", name, "--email", email)
        token = cli(world.env, "tokens", "create", "--user", email).splitlines()[-1]
        people[key] = {"token": token, "user": world.api(token).get("/users/self")}
    vmt = a.post("/teams", {"name": world.env["STORYLINE_VMT_TEAM"], "description": "Vulnerability management"})
    a.call("PUT", f"/teams/{vmt['id']}/users/{people['vera']['user']['id']}")
    return {"vmt": vmt, **people}


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    """Poll `condition()` (e.g. a read through the API) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


# Page script: window.__seen[text] = when each text of window.__watch first appeared on the page (the live
# updates test and benchmarks/live_latency.py time another person's change reaching a browser with it).
WATCH = """() => {
  window.__watch = []; window.__seen = {};
  new MutationObserver(() => {
    for (const t of window.__watch) if (!(t in window.__seen) && document.body.innerText.includes(t)) window.__seen[t] = Date.now();
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
