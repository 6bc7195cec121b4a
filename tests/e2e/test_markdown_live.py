"""Writing (issue 15): markdown preview while writing, task lists, #N and @name links, highlighted code;
and a story page that shows another person's comment without a reload."""

from __future__ import annotations

import re

from a11y import assert_accessible
from playwright.sync_api import Page, expect
from webworld import World, screenshot


def test_markdown_preview_task_lists_links_and_code(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    story = api.post("/stories", {"title": "Markdown writing story"})
    target = world.story["id"]
    page.goto(f"/story/{story['id']}")
    box = page.get_by_label(re.compile("^Add a comment"))
    box.fill(f"- [x] reproduced\n- [ ] fixed\n\nSee #{target}, ask @Bob.Builder\n\n```python\ndef f():\n    return 1\n```")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.locator("input[type=checkbox]")).to_have_count(2)
    expect(preview.locator("input[type=checkbox]").first).to_be_checked()
    expect(preview.locator("input[type=checkbox]").first).to_be_disabled()
    expect(preview.get_by_role("link", name=f"#{target}")).to_have_attribute("href", f"/story/{target}")
    expect(preview.locator(".hljs-keyword", has_text="def")).to_be_visible()
    # Live: the preview follows the text.
    box.press("End")
    box.type("\n\n**done**")
    expect(preview.locator("strong")).to_have_text("done")
    assert_accessible(page)
    screenshot(page, "markdown-preview")
    page.get_by_role("button", name="Comment", exact=True).click()
    comment = page.locator(".event.comment", has_text="reproduced")
    expect(comment.locator(".hljs-keyword", has_text="def")).to_be_visible()
    # #N goes to the story and @name to the person, inside the app.
    comment.get_by_role("link", name="@Bob.Builder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bob Builder")
    page.go_back()
    page.locator(".event.comment", has_text="reproduced").get_by_role("link", name=f"#{target}").click()
    expect(page).to_have_url(re.compile(rf"/story/{target}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scheduler loses instances")


def test_another_persons_comment_arrives_without_a_reload(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    story = api.post("/stories", {"title": "Live story"})
    task = api.post("/tasks", {"title": "Live task", "story_id": story["id"], "project_id": world.projects["nova"]["id"]})
    page.goto(f"/story/{story['id']}")
    expect(page.get_by_label("Status of Live task")).to_have_value("todo")
    page.evaluate("window.__sameDocument = true")
    world.api("bob").post(f"/stories/{story['id']}/comments", {"content": "Bob's **live** comment"})
    world.api("bob").call("PUT", f"/tasks/{task['id']}", json={"status": "inprogress"})
    # Polling every 3 s: the comment, the task's new status and a polite notice arrive (a poll, then
    # three reads: allowed 15 s on a loaded machine).
    expect(page.locator(".event.comment", has_text="Bob's live comment").locator("strong")).to_have_text("live", timeout=15_000)
    expect(page.get_by_label("Status of Live task")).to_have_value("inprogress", timeout=15_000)
    expect(page.locator(".live-notice")).to_contain_text("Bob Builder", timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
