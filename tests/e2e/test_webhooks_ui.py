"""The webhooks page (preview): a superuser adds a hook for a project's comments, copies its secret, a
comment reaches a real receiver on loopback signed with that secret, and the page's delivery log shows
the answer; the hook is turned off from the page."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from webworld import World, screenshot, wait_for


class Inbox(BaseHTTPRequestHandler):
    got: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Inbox.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/storyline"
    finally:
        server.shutdown()
        server.server_close()


def test_add_a_hook_and_read_its_log(admin_page: Page, world: World, receiver: str) -> None:
    page = admin_page
    admin = world.api("admin")
    project = admin.post("/projects", {"name": "e2e/hooked", "description": "Told to a webhook"})
    story = admin.post("/stories", {"title": "A story a hook hears about"})
    admin.post("/tasks", {"title": "Some work", "story_id": story["id"], "project_id": project["id"]})

    page.goto("/webhooks")
    expect(page.get_by_role("heading", name="Webhooks preview")).to_be_visible()
    page.get_by_label("URL").fill(receiver)
    page.get_by_label("Project", exact=True).fill("e2e/hook")
    page.get_by_role("button", name="Add e2e/hooked").click()
    page.get_by_label("Comments").check()
    page.get_by_role("button", name="Add webhook").click()
    secret = page.get_by_label("The secret").input_value()
    assert len(secret) >= 40
    hook = page.get_by_role("listitem").filter(has_text=receiver)
    expect(hook).to_contain_text("comments of project e2e/hooked")

    admin.post(f"/stories/{story['id']}/comments", {"content": "Heard by the hook"})
    wait_for(lambda: len(Inbox.got) == 1, timeout=20)
    headers, body = Inbox.got[0]
    assert headers["x-storyline-event"] == "user_comment"
    assert headers["x-storyline-signature-256"] == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    # The receiver has the call before the server records its answer (after the call returns): the
    # log the page reads says "204 in" once that is written.
    def recorded() -> bool:
        hooks = admin.http.get(f"{world.base}/preview/webhooks").json()
        hook_id = next(h["id"] for h in hooks if h["url"] == receiver)
        log = admin.http.get(f"{world.base}/preview/webhooks/{hook_id}/deliveries").json()
        return any(d["response_code"] == 204 for d in log)

    wait_for(recorded, timeout=20)
    hook.get_by_role("button", name="Deliveries").click()
    expect(hook.get_by_role("table")).to_contain_text("Comments")
    expect(hook.get_by_role("table")).to_contain_text("204 in")
    hook.get_by_role("button", name="Body").click()
    expect(hook.locator("pre")).to_contain_text("Heard by the hook")
    screenshot(page, "webhooks")

    hook.get_by_role("button", name="Turn off").click()
    expect(hook.get_by_role("button", name="Turn on")).to_be_visible()
    hooks = httpx.get(f"{world.base}/preview/webhooks", headers={"Authorization": f"Bearer {world.admin_token}"}).json()
    assert [h["active"] for h in hooks if h["url"] == receiver] == [False]
