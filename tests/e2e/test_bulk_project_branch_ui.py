"""Bulk edit of tasks' project, branch and milestone (issue 15), in the browser: the pickers offer only
valid values (the open branches of the project the tasks go to or are on, the open milestones of the
branch they land on), one all-or-nothing POST /preview/bulk, and each refused item named with its reason."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from a11y import assert_accessible
from playwright.sync_api import Browser, Locator, Page, expect
from webworld import World, new_context, screenshot, wait_for


def expire(api: Any, kind: str, row: dict[str, Any]) -> None:
    """Branches and milestones are created open, then expired."""
    api.call("PUT", f"/{kind}/{row['id']}", json={"expired": True})


def options(select: Locator) -> list[str]:
    return [t.strip() for t in select.locator("option").all_text_contents()]


def test_tasks_moved_to_a_branch_then_another_project_and_milestone_refusals(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    here = api.post("/projects", {"name": "place-here", "description": "Where the tasks start"})
    there = api.post("/projects", {"name": "place-there", "description": "Where they go"})
    stable = api.post("/branches", {"name": "stable-here", "project_id": here["id"]})
    expire(api, "branches", api.post("/branches", {"name": "expired-here", "project_id": here["id"]}))
    there_stable = api.post("/branches", {"name": "stable-there", "project_id": there["id"]})
    expire(api, "branches", api.post("/branches", {"name": "expired-there", "project_id": there["id"]}))
    milestone = api.post("/milestones", {"name": "m-there-1", "branch_id": there_stable["id"]})
    expire(api, "milestones", api.post("/milestones", {"name": "m-there-old", "branch_id": there_stable["id"]}))
    story = api.post("/stories", {"title": "Story whose tasks move"})
    tasks = [api.post("/tasks", {"title": f"Moving task {i}", "story_id": story["id"], "project_id": here["id"]})
             for i in range(3)]
    api.call("PUT", f"/tasks/{tasks[0]['id']}", json={"status": "merged"})

    page.goto(f"/project/{here['id']}?view=tasks&sort=id&dir=asc")
    expect(page.locator("td.select input")).to_have_count(3)
    page.get_by_label("Select every task on this page").check()
    bar = page.get_by_role("region", name="Change the selected tasks")
    place = bar.get_by_role("group", name="Project, branch and milestone")
    branch = place.get_by_label("Branch")
    # The branches of the tasks' own project, the expired one left out.
    expect(branch.locator("option", has_text="stable-here")).to_have_count(1)
    assert options(branch) == ["Keep their branch", "master", "stable-here"], options(branch)
    branch.select_option(label="stable-here")
    bar.get_by_role("button", name="Apply project, branch, milestone").click()
    expect(bar).to_contain_text("3 tasks changed.")
    for t in tasks:
        assert api.get(f"/tasks/{t['id']}")["branch_id"] == stable["id"]

    # Another project: its open branches only, then the open milestones of the branch chosen.
    place.get_by_label("Move to project").fill("place-there")
    place.get_by_role("button", name="Move to place-there").click()
    expect(branch.locator("option", has_text="stable-there")).to_have_count(1)
    assert options(branch) == ["master (the default)", "master", "stable-there"], options(branch)
    branch.select_option(label="stable-there")
    milestones = place.get_by_label("Milestone")
    expect(milestones.locator("option", has_text="m-there-1")).to_have_count(1)
    assert options(milestones) == ["No milestone", "m-there-1"], options(milestones)
    milestones.select_option(label="m-there-1")
    expect(place).to_contain_text("1 of 3 are merged")
    assert_accessible(page)
    bar.get_by_role("button", name="Apply project, branch, milestone").click()
    # Two tasks are not merged: refused, each named with the server's reason; nothing moved.
    expect(bar).to_contain_text("Nothing was changed: 2 of 3 items refused.")
    refused = bar.get_by_role("list", name="Refused items")
    expect(refused.locator("li")).to_have_count(2)
    expect(refused.locator("li").nth(0)).to_have_text(
        f"Task T{tasks[1]['id']}: A milestone can be set only on merged tasks (milestone_id)")
    screenshot(page, "bulk-place-refused")
    for t in tasks:
        after = api.get(f"/tasks/{t['id']}")
        assert after["project_id"] == here["id"] and after["milestone_id"] is None

    # Without the milestone: all three move, onto the branch chosen.
    milestones.select_option(label="No milestone")
    bar.get_by_role("button", name="Apply project, branch, milestone").click()
    wait_for(lambda: all(api.get(f"/tasks/{t['id']}")["project_id"] == there["id"] for t in tasks))
    for t in tasks:
        after = api.get(f"/tasks/{t['id']}")
        assert (after["project_id"], after["branch_id"]) == (there["id"], there_stable["id"])
    # They left this project's list (and the bar with them): the outcome still says what happened.
    expect(page.get_by_text("0 tasks")).to_be_visible()
    expect(page.locator(".bulk-result")).to_contain_text("3 tasks changed.")
    # The merged one can have the milestone now (its own branch's open milestones are offered).
    page.goto(f"/project/{there['id']}?view=tasks&sort=id&dir=asc")
    expect(page.locator("td.select input")).to_have_count(3)
    page.locator("td.select input").nth(0).click()
    bar = page.get_by_role("region", name="Change the selected tasks")
    place = bar.get_by_role("group", name="Project, branch and milestone")
    place.get_by_label("Milestone").select_option(label="m-there-1")
    bar.get_by_role("button", name="Apply project, branch, milestone").click()
    expect(bar).to_contain_text("1 task changed.")
    wait_for(lambda: api.get(f"/tasks/{tasks[0]['id']}")["milestone_id"] == milestone["id"])
    screenshot(page, "bulk-place")


def test_story_selection_moves_only_their_tasks_on_one_project(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    left = api.post("/projects", {"name": "split-left"})
    right = api.post("/projects", {"name": "split-right"})
    target = api.post("/projects", {"name": "split-target"})
    tag = "bulkplacestories"
    stories = []
    for i in range(2):
        s = api.post("/stories", {"title": f"Split story {i}"})
        api.call("PUT", f"/stories/{s['id']}/tags", params={"tags": tag})
        for project in (left, right):
            api.post("/tasks", {"title": f"Split task {i} on {project['name']}", "story_id": s["id"],
                                "project_id": project["id"]})
        stories.append(s)
    page.goto(f"/stories?q={quote(f'tag:{tag} sort:id-asc')}")
    expect(page.locator("td.select input")).to_have_count(2)
    page.get_by_label("Select every story on this page").check()
    bar = page.get_by_role("region", name="Change the selected stories")
    expect(bar).to_contain_text("(4 tasks)")
    place = bar.get_by_role("group", name="Project, branch and milestone")
    # Tasks on two projects and no move chosen: no branch to offer.
    expect(place.get_by_label("Branch")).to_be_disabled()
    expect(place).to_contain_text("These tasks are on 2 projects")
    bar.get_by_label("Their tasks on").select_option(label="split-left")
    expect(bar).to_contain_text("(2 tasks)")
    expect(place.get_by_label("Branch")).to_be_enabled()
    place.get_by_label("Move to project").fill("split-target")
    place.get_by_role("button", name="Move to split-target").click()
    bar.get_by_role("button", name="Apply project, branch, milestone").click()
    expect(bar).to_contain_text("2 tasks changed.")
    for s in stories:
        projects = sorted(t["project_id"] for t in api.get(f"/stories/{s['id']}/tasks"))
        assert projects == sorted([right["id"], target["id"]]), projects
    assert_accessible(page)


def test_bulk_place_at_phone_width(browser: Browser, world: World) -> None:
    api = world.api()
    project = api.post("/projects", {"name": "place-phone"})
    story = api.post("/stories", {"title": "Phone bulk story"})
    for i in range(2):
        api.post("/tasks", {"title": f"Phone task {i}", "story_id": story["id"], "project_id": project["id"]})
    context = new_context(browser, world, world.admin_token, width=390)
    try:
        page = context.new_page()
        page.goto(f"/project/{project['id']}?view=tasks")
        expect(page.locator("td.select input")).to_have_count(2)
        page.get_by_label("Select every task on this page").check()
        place = page.get_by_role("group", name="Project, branch and milestone")
        expect(place.get_by_label("Branch")).to_be_enabled()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert_accessible(page)
        screenshot(page, "bulk-place-phone")
    finally:
        context.close()
