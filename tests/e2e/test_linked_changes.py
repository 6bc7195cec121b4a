"""Code review on the story page (preview): a Gerrit source added with the CLI as an administrator
would, events POSTed to the URL it printed (as Gerrit's webhooks plugin does), and the story page shows
the linked change under the tasks, with its state, branch, owner, votes and CI result."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect
from webworld import World, cli, screenshot, wait_for

ORIGIN = "https://review.example.org"


def test_the_story_page_shows_linked_changes(page: Page, world: World) -> None:
    admin = world.api("admin")
    project = admin.post("/projects", {"name": "e2e/reviewed", "description": "Reviewed in Gerrit"})
    story = admin.post("/stories", {"title": "The frobnicator leaks"})
    task = admin.post("/tasks", {"title": "Plug the leak", "story_id": story["id"], "project_id": project["id"]})
    url = cli(world.env, "integrations", "add-gerrit", "e2e-gerrit", "--origin", ORIGIN, "--base-url", world.base)
    change = {"project": "e2e/reviewed", "branch": "master", "number": 4242, "subject": "Plug the frobnicator leak",
              "url": "https://review.example.org/c/e2e/reviewed/+/4242", "status": "NEW",
              "owner": {"name": "Jane Doe", "username": "jdoe"},
              "commitMessage": f"Plug the frobnicator leak\n\nTask: {task['id']}\nChange-Id: I42\n"}
    headers = {"X-Origin-Url": ORIGIN, "Content-Type": "application/json; charset=utf-8"}
    events = [{"type": "patchset-created", "change": change, "patchSet": {"number": 1}, "eventCreatedOn": 1_700_000_000},
              {"type": "comment-added", "change": change, "patchSet": {"number": 1}, "eventCreatedOn": 1_700_000_100,
               "author": {"username": "zuul"}, "approvals": [{"type": "Verified", "value": "1"}]}]
    for event in events:
        r = httpx.post(url, json=event, headers=headers, timeout=10)
        assert r.status_code == 200 and r.json()["status"] == "accepted", r.text
    wait_for(lambda: admin.get(f"/tasks/{task['id']}")["status"] == "review")
    wait_for(lambda: httpx.get(f"{world.base}/preview/tasks/{task['id']}/changes").json()[0]["ci"] == "passed")

    page.goto(f"/story/{story['id']}")
    section = page.get_by_role("region", name="Code review preview")
    expect(section.get_by_role("link", name="e2e/reviewed 4242")).to_have_attribute(
        "href", "https://review.example.org/c/e2e/reviewed/+/4242")
    expect(section).to_contain_text("Plug the frobnicator leak")
    expect(section).to_contain_text("Open")
    expect(section).to_contain_text("CI passed")
    expect(section).to_contain_text("on master by Jane Doe · Verified +1 · task “Plug the leak”")
    # The task moved to review and the bot said so in the timeline.
    expect(page.locator(".events")).to_contain_text("change 4242 proposed on branch master: Plug the frobnicator leak")
    expect(page.locator(".events")).to_contain_text("moved task “Plug the leak” from Todo to Review")
    screenshot(page, "story-linked-changes")
