"""The story page: reading, inline task edits, tags, comments, subscriptions, the huge story."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from webworld import World, screenshot, wait_for


def story_url(world: World, story: dict | None = None) -> str:
    return f"/story/{(story or world.story)['id']}"


def test_anonymous_reads_a_story(page: Page, world: World) -> None:
    page.goto(story_url(world))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scheduler loses instances under load")
    # Markdown rendered, the pasted log keeps its indentation, the script is only text.
    expect(page.locator(".description strong")).to_have_text("busy")
    code = page.locator(".description pre code")
    expect(code).to_contain_text('    File "scheduler.py", line 42\n  KeyError:')
    expect(page.locator(".description")).to_contain_text("<script>window.pwned = true</script>")
    assert page.evaluate("window.pwned") is None
    # Tasks grouped by project, the tag, the timeline with the comment.
    tasks = page.get_by_role("list", name=re.compile(r"^Tasks"))
    expect(tasks.get_by_role("heading", name=re.compile("nova"))).to_be_visible()
    expect(tasks.get_by_role("heading", name=re.compile("glance"))).to_be_visible()
    expect(tasks).to_contain_text("Fix the scheduler race")
    expect(page.get_by_role("list", name="Tags")).to_contain_text("scheduler")
    expect(page.locator(".timeline")).to_contain_text("I can reproduce this with nova boot")
    expect(page.locator(".timeline")).to_contain_text("added task “Fix the scheduler race”")
    # Read-only for a visitor.
    expect(page.get_by_label("Status of Fix the scheduler race")).to_have_count(0)
    expect(page.locator(".task-row", has_text="Fix the scheduler race").locator(".badge").first).to_have_text("Todo")
    expect(page.get_by_text("Log in to comment.")).to_be_visible()
    screenshot(page, "story-anonymous")


def test_inline_status_priority_and_assignee(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    story = api.post("/stories", {"title": "Inline editing story"})
    task = api.post("/tasks", {"title": "Edit me inline", "story_id": story["id"],
                               "project_id": world.projects["nova"]["id"]})
    page.goto(story_url(world, story))
    page.get_by_label("Status of Edit me inline").select_option("inprogress")
    wait_for(lambda: api.get(f"/tasks/{task['id']}")["status"] == "inprogress")
    page.get_by_label("Priority of Edit me inline").select_option("high")
    wait_for(lambda: api.get(f"/tasks/{task['id']}")["priority"] == "high")
    page.get_by_role("button", name="Change assignee of Edit me inline").click()
    page.get_by_role("button", name="Assign to me").click()
    wait_for(lambda: api.get(f"/tasks/{task['id']}")["assignee_id"] == world.admin["id"])
    expect(page.locator(f"[data-task-id='{task['id']}']")).to_contain_text("Ada Admin")
    # The timeline tells what happened; a reload keeps everything.
    page.reload()
    expect(page.get_by_label("Status of Edit me inline")).to_have_value("inprogress")
    expect(page.locator(".timeline")).to_contain_text("from Todo to In progress")


def test_edit_task_with_keyboard_and_errors_keep_the_text(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    story = api.post("/stories", {"title": "Keyboard editing story"})
    task = api.post("/tasks", {"title": "Rename me", "story_id": story["id"],
                               "project_id": world.projects["glance"]["id"]})
    page.goto(story_url(world, story))
    expect(page.get_by_label("Status of Rename me")).to_be_enabled()
    page.locator("body").press("j")
    expect(page.locator(f"[data-task-id='{task['id']}']")).to_be_focused()
    page.keyboard.press("e")
    title = page.get_by_label("Title", exact=True)
    expect(title).to_be_focused()
    title.fill("no")  # too short: the server refuses, naming the field
    page.get_by_label("Notes (markdown)").fill("Keep these notes")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(f"[data-task-id='{task['id']}'] .field-error").first).to_contain_text(re.compile("title|short|least", re.I))
    expect(title).to_have_value("no")
    expect(page.get_by_label("Notes (markdown)")).to_have_value("Keep these notes")
    title.fill("Renamed by keyboard")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(f"[data-task-id='{task['id']}'] .task-title")).to_have_text("Renamed by keyboard")
    wait_for(lambda: api.get(f"/tasks/{task['id']}")["title"] == "Renamed by keyboard")
    assert api.get(f"/tasks/{task['id']}")["link"] == "Keep these notes"
    expect(page.get_by_label("Notes (markdown)")).to_have_count(0)  # the editor closed on success


def test_failed_change_rolls_back(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    story = api.post("/stories", {"title": "Rollback story"})
    task = api.post("/tasks", {"title": "Doomed task", "story_id": story["id"],
                               "project_id": world.projects["nova"]["id"]})
    # This page must not hear of the deletion (its live updates would take the task, and the message about
    # it, off the page): its stream ticket is never answered, so it neither streams nor polls.
    page.route(re.compile(r".*/preview/live/tickets$"), lambda route: None)
    page.goto(story_url(world, story))
    expect(page.get_by_label("Status of Doomed task")).to_have_value("todo")
    api.call("DELETE", f"/tasks/{task['id']}")  # gone behind the page's back
    page.get_by_label("Status of Doomed task").select_option("review")
    expect(page.get_by_text("The change was undone.")).to_be_visible()
    expect(page.get_by_label("Status of Doomed task")).to_have_value("todo")


def test_edit_story_tags_comment_subscribe(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    story = api.post("/stories", {"title": "A story to edit", "description": "Old text"})
    page.goto(story_url(world, story))
    page.get_by_role("button", name="Edit story").click()
    assert "edit=1" in page.url
    page.get_by_label("Title", exact=True).fill("abc")
    page.get_by_label("Description (markdown)").fill("A **new** description")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#story-title-err")).to_be_visible()
    expect(page.get_by_label("Description (markdown)")).to_have_value("A **new** description")
    page.get_by_label("Title", exact=True).fill("A story edited in the browser")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("A story edited in the browser")
    expect(page.locator(".description strong")).to_have_text("new")
    # Tags.
    page.get_by_label("Add a tag").fill("ui-tag")
    page.get_by_role("button", name="Add tag").click()
    expect(page.get_by_role("list", name="Tags")).to_contain_text("ui-tag")
    wait_for(lambda: "ui-tag" in api.get(f"/stories/{story['id']}")["tags"])
    page.get_by_role("button", name="Remove tag ui-tag").click()
    wait_for(lambda: api.get(f"/stories/{story['id']}")["tags"] == [])
    # A comment with a pasted log.
    log = "```\nERROR nova.compute   boom\n    at line 3\n```"
    page.get_by_label(re.compile("Add a comment")).fill(log)
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator(".event.comment pre")).to_contain_text("ERROR nova.compute   boom\n    at line 3")
    comments = api.get(f"/stories/{story['id']}/comments")
    assert comments[-1]["content"] == log
    expect(page.get_by_label(re.compile("Add a comment"))).to_have_value("")
    # Subscribe and unsubscribe (the creator starts subscribed).
    button = page.get_by_role("button", name=re.compile("^(Subscribe|Unsubscribe)$"))
    mine = lambda: api.get("/subscriptions", target_type="story", target_id=story["id"])  # noqa: E731
    expect(button).to_have_text("Unsubscribe" if mine() else "Subscribe")
    if mine():
        button.click()
        expect(button).to_have_text("Subscribe")
        wait_for(lambda: mine() == [])
    button.click()
    expect(button).to_have_text("Unsubscribe")
    wait_for(lambda: len(mine()) == 1)
    screenshot(page, "story-logged-in")


def test_add_a_task_to_several_projects(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    story = api.post("/stories", {"title": "Multi-project story"})
    page.goto(story_url(world, story))
    page.get_by_label("Task title").fill("Port the fix")
    picker = page.get_by_role("searchbox", name="Projects for the task")
    picker.fill("nov")
    page.get_by_role("button", name="Add nova").click()
    picker.fill("glan")
    page.get_by_role("button", name="Add glance").click()
    page.get_by_role("button", name="Add 2 tasks").click()
    tasks = page.get_by_role("list", name=re.compile(r"^Tasks"))
    expect(tasks.get_by_role("heading", name=re.compile("glance"))).to_be_visible()
    expect(tasks.locator(".task-title", has_text="Port the fix")).to_have_count(2)
    got = api.get(f"/stories/{story['id']}/tasks")
    assert sorted(t["project_id"] for t in got) == sorted([world.projects["nova"]["id"], world.projects["glance"]["id"]])


