"""Issue 15 in the browser: bulk edit in one all-or-nothing request with per-item errors; on the story
page, deleting a task (with a confirmation), marking a duplicate, and the privacy panel folded into one
line, at desktop and phone widths (tasks first on phones)."""

from __future__ import annotations

from a11y import assert_accessible
from playwright.sync_api import Browser, Page, Request, Route, expect
from webworld import World, new_context, screenshot, wait_for


def test_bulk_edit_is_one_request_and_reports_each_refused_item(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    project = api.post("/projects", {"name": "bulk-one-request", "description": "All or nothing"})
    story = api.post("/stories", {"title": "Story of one bulk request"})
    tasks = [api.post("/tasks", {"title": f"One-request task {i}", "story_id": story["id"], "project_id": project["id"]})
             for i in range(4)]
    writes: list[str] = []

    def seen(request: Request) -> None:
        if request.method != "GET" and "/preview/live/tickets" not in request.url:  # the live stream's ticket
            writes.append(f"{request.method} {request.url.split('//', 1)[1].split('/', 1)[1]}")

    page.on("request", seen)
    page.goto(f"/project/{project['id']}?view=tasks&sort=id&dir=asc")
    boxes = page.locator("td.select input")
    expect(boxes).to_have_count(4)
    boxes.nth(0).click()
    boxes.nth(2).click(modifiers=["Shift"])  # tasks 0 to 2
    row = page.locator("table.tasks-table tbody tr").nth(3)
    row.focus()
    page.keyboard.press("x")  # and task 3
    bar = page.get_by_role("region", name="Change the selected tasks")
    expect(bar).to_contain_text("4 selected tasks")
    # Task 1 goes while the request is on its way (deleted just before the page's POST reaches the server,
    # which the page cannot have heard of): the change is refused as a whole, task 1 named with its reason.
    def delete_first(route: Route) -> None:
        api.call("DELETE", f"/tasks/{tasks[1]['id']}")
        route.continue_()

    page.route("**/preview/bulk", delete_first)
    bar.get_by_label("Status of the selected tasks").select_option("review")
    bar.get_by_role("button", name="Apply status").click()
    expect(bar).to_contain_text("Nothing was changed: 1 of 4 items refused.")
    refused = bar.get_by_role("list", name="Refused items")
    expect(refused).to_have_text(f"Task T{tasks[1]['id']}: Task {tasks[1]['id']} not found")
    assert writes == ["POST preview/bulk"], writes
    for t in (tasks[0], tasks[2], tasks[3]):
        assert api.get(f"/tasks/{t['id']}")["status"] == "todo"
    assert_accessible(page)
    screenshot(page, "bulk-edit-refused")
    # Without it, the same change goes through, in one request again.
    page.unroute("**/preview/bulk")
    page.reload()
    expect(boxes).to_have_count(3)
    page.get_by_label("Select every task on this page").check()
    bar.get_by_label("Status of the selected tasks").select_option("review")
    bar.get_by_role("button", name="Apply status").click()
    expect(bar).to_contain_text("3 tasks changed.")
    assert writes == ["POST preview/bulk", "POST preview/bulk"], writes
    for t in (tasks[0], tasks[2], tasks[3]):
        assert api.get(f"/tasks/{t['id']}")["status"] == "review"


def test_delete_a_task_from_the_story_page(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    story = api.post("/stories", {"title": "Story losing a task"})
    keep = api.post("/tasks", {"title": "Task that stays", "story_id": story["id"], "project_id": world.projects["nova"]["id"]})
    gone = api.post("/tasks", {"title": "Task to delete", "story_id": story["id"], "project_id": world.projects["nova"]["id"]})
    page.goto(f"/story/{story['id']}")
    row = page.locator(f"[data-task-id='{gone['id']}']")
    row.get_by_role("button", name="Delete Task to delete").click()
    dialog = page.get_by_role("alertdialog", name="Delete the task “Task to delete”?")
    expect(dialog).to_be_visible()
    assert_accessible(page)
    screenshot(page, "story-delete-task-confirm")
    dialog.get_by_role("button", name="Cancel").click()  # nothing happens
    expect(dialog).to_have_count(0)
    assert api.get(f"/tasks/{gone['id']}")["title"] == "Task to delete"
    row.get_by_role("button", name="Delete Task to delete").click()
    dialog.get_by_role("button", name="Delete task").click()
    expect(page.locator(f"[data-task-id='{gone['id']}']")).to_have_count(0)
    expect(page.locator(f"[data-task-id='{keep['id']}']")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("deleted task “Task to delete”")
    assert world.api().http.get(f"/tasks/{gone['id']}").status_code == 404


def test_mark_a_story_as_a_duplicate_and_clear_it(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    original = api.post("/stories", {"title": "The original report"})
    dup = api.post("/stories", {"title": "The same problem again"})
    page.goto(f"/story/{dup['id']}")
    page.get_by_role("button", name="Mark as duplicate…").click()
    field = page.get_by_label("Duplicate of story #")
    field.fill(str(dup["id"]))  # itself: refused next to the field, the value kept
    page.get_by_role("button", name="Mark duplicate").click()
    expect(page.locator("#duplicate-of-err")).to_contain_text("cannot be a duplicate of itself")
    expect(field).to_have_value(str(dup["id"]))
    field.fill(str(original["id"]))
    page.get_by_role("button", name="Mark duplicate").click()
    note = page.get_by_role("note")
    expect(note).to_contain_text(f"Duplicate of #{original['id']} The original report")
    expect(page.locator(".timeline")).to_contain_text(f"marked this story as a duplicate of #{original['id']}")
    assert api.get(f"/stories/{dup['id']}")["duplicate_of"] == original["id"]
    assert_accessible(page)
    screenshot(page, "story-duplicate")
    note.get_by_role("link", name=f"#{original['id']}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("The original report")
    page.go_back()
    page.get_by_role("button", name="Not a duplicate").click()
    expect(page.get_by_role("button", name="Mark as duplicate…")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("cleared the duplicate mark")
    wait_for(lambda: api.get(f"/stories/{dup['id']}")["duplicate_of"] is None)


def test_privacy_line_and_tasks_first_on_phones(browser: Browser, world: World) -> None:
    api = world.api()
    team = api.post("/teams", {"name": "privacy-line-team", "description": "Sees the story"})
    story = api.post("/stories", {"title": "Private story with a short privacy line", "private": True,
                                  "description": "What happened, at length.\n\n" + "A long paragraph. " * 40,
                                  "users": [world.admin["id"], world.bob["id"]], "teams": [team["id"]]})
    api.post("/tasks", {"title": "Task seen first on phones", "story_id": story["id"],
                        "project_id": world.projects["nova"]["id"]})
    api.post(f"/stories/{story['id']}/comments", {"content": "A comment further down"})
    for width, name in ((1280, "story-privacy-line"), (390, "story-phone")):
        context = new_context(browser, world, world.admin_token, width=width)
        page = context.new_page()
        page.goto(f"/story/{story['id']}")
        line = page.get_by_test_id("privacy-line")
        expect(line).to_have_text("Private · visible to 2 people, 1 team")
        # Folded: the access list is not on the page until asked for.
        expect(page.get_by_role("region", name="Privacy & security")).to_have_count(0)
        box = page.locator(".privacy-line").bounding_box()
        assert box is not None and box["height"] <= (60 if width < 500 else 40), box
        tasks = page.locator("section.tasks").bounding_box()
        timeline = page.locator(".timeline").bounding_box()
        title = page.get_by_role("heading", level=1).bounding_box()
        description = page.locator(".description").bounding_box()
        assert tasks is not None and timeline is not None and title is not None and description is not None
        assert title["y"] < tasks["y"] < timeline["y"]
        if width < 500:
            # Tasks come right after the title and actions: before the description, the attachments and the
            # rest of the page; nothing is wider than the phone.
            attachments = page.get_by_role("heading", name="Attachments").bounding_box()
            assert attachments is not None and tasks["y"] < description["y"] < attachments["y"]
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        else:
            assert description["y"] < tasks["y"]  # wide screens keep the reading order
        assert_accessible(page)
        screenshot(page, name)
        button = page.get_by_role("button", name="Privacy details and changes")
        expect(button).to_have_attribute("aria-expanded", "false")
        button.click()
        panel = page.get_by_role("region", name="Privacy & security")
        expect(panel.get_by_role("list", name="People on the access list")).to_contain_text("Bob Builder")
        expect(panel.get_by_role("list", name="Teams on the access list")).to_contain_text("privacy-line-team")
        expect(page.get_by_role("button", name="Hide privacy details")).to_have_attribute("aria-expanded", "true")
        assert_accessible(page)
        screenshot(page, f"{name}-expanded")
        context.close()
