"""Project page filters (tags, assignee, branch, milestone: the last two on stories and tasks alike),
its branches and milestones, the project group page. The data is this module's own: groups of new
projects, so other tests' counts hold."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from webworld import World, screenshot, wait_for


@pytest.fixture(scope="module")
def metal(world: World) -> dict[str, Any]:
    a = world.api()
    carol = a.post("/users", {"full_name": "Carol Conductor", "email": "carol@example.org"})
    ironic = a.post("/projects", {"name": "ironic", "description": "Bare metal provisioning"})
    client = a.post("/projects", {"name": "ironic-client", "description": "Bare metal client"})
    group = a.post("/project_groups", {"name": "baremetal", "title": "Bare metal"})
    for p in (ironic, client):
        a.call("PUT", f"/project_groups/{group['id']}/projects/{p['id']}")
    master = a.get("/branches", project_id=ironic["id"], name="master")[0]
    stable = a.post("/branches", {"name": "stable/2026.1", "project_id": ironic["id"]})
    rc1 = a.post("/milestones", {"name": "2026.1-rc1", "branch_id": stable["id"]})
    a.post("/milestones", {"name": "2026.1-final", "branch_id": stable["id"]})
    stories = {}
    for key, title, tags, project, task in [
        ("deploy", "Ironic deploy fails", ["deploy", "ui"], ironic,
         {"branch_id": master["id"], "assignee_id": carol["id"]}),
        ("clean", "Ironic cleaning hangs", ["deploy"], ironic,
         {"branch_id": stable["id"], "milestone_id": rc1["id"], "status": "merged"}),
        ("console", "Ironic console broken", ["ui"], ironic, {"branch_id": stable["id"]}),
        ("slow", "Client lists nodes slowly", ["deploy"], client, {}),
    ]:
        s = a.post("/stories", {"title": title})
        a.call("PUT", f"/stories/{s['id']}/tags", params=[("tags", t) for t in tags])
        a.post("/tasks", {"title": f"Task: {title}", "story_id": s["id"], "project_id": project["id"], **task})
        stories[key] = s
    return {"carol": carol, "ironic": ironic, "client": client, "group": group, "master": master, "stable": stable,
            "rc1": rc1, "stories": stories}


def titles(page: Page):
    return page.locator("table.stories tbody tr td:nth-child(2) a")


def test_project_filters_by_tags_assignee_branch_and_milestone(page: Page, world: World, metal) -> None:
    rows = page.locator("table.stories tbody tr")
    count = page.locator("p[aria-live]")
    page.goto("/project/ironic?sort=title&dir=asc")
    expect(page.get_by_role("heading", level=1)).to_have_text("ironic")
    expect(count).to_have_text("3 stories")
    # Tags: all of them by default, any of them on request.
    tag = page.get_by_placeholder("Tag")
    tag.fill("deploy")
    tag.press("Enter")
    expect(count).to_have_text("2 stories")
    tag.fill("ui")
    page.get_by_role("button", name="Add tag filter").click()
    expect(count).to_have_text("1 story")
    expect(rows).to_have_count(1)
    page.get_by_label("Match tags").select_option("any")
    expect(count).to_have_text("3 stories")
    assert "tag=deploy" in page.url and "tag=ui" in page.url and "tags_mode=any" in page.url
    page.reload()
    expect(page.get_by_role("list", name="Tag filters")).to_contain_text("deploy")
    expect(count).to_have_text("3 stories")
    expect(titles(page)).to_have_text(["Ironic cleaning hangs", "Ironic console broken", "Ironic deploy fails"])
    expect(rows.first.locator(".tag")).to_have_text("deploy")
    # Assignee: found by name, kept in the URL.
    page.get_by_placeholder("Type a name").fill("Carol")
    page.get_by_role("button", name="Assigned to Carol Conductor").click()
    expect(count).to_have_text("1 story")
    assert f"assignee={metal['carol']['id']}" in page.url
    page.get_by_role("button", name="Remove tag filter ui").click()
    expect(count).to_have_text("1 story")
    expect(page.get_by_role("list", name="Tag filters")).not_to_contain_text("ui")
    # The tasks view keeps the assignee, drops what only stories have.
    page.get_by_role("navigation", name="Project views").get_by_role("link", name="Tasks").click()
    expect(page).not_to_have_url(re.compile("tag="))
    expect(count).to_have_text("1 task")
    expect(rows.first).to_contain_text("Carol Conductor")
    page.get_by_role("button", name="Remove assignee filter").click()
    expect(count).to_have_text("3 tasks")
    page.get_by_label("Branch").select_option(label="stable/2026.1")
    expect(count).to_have_text("2 tasks")
    page.get_by_label("Milestone").select_option(label="2026.1-rc1")
    expect(count).to_have_text("1 task")
    expect(rows.first).to_contain_text("Task: Ironic cleaning hangs")
    expect(rows.first.locator(".badge")).to_have_text("Merged")
    page.reload()
    expect(page.get_by_label("Milestone")).to_have_value(str(metal["rc1"]["id"]))
    expect(count).to_have_text("1 task")
    # Another branch forgets the milestone.
    page.get_by_label("Branch").select_option(label="master")
    expect(page).not_to_have_url(re.compile("milestone="))
    expect(rows.first).to_contain_text("Task: Ironic deploy fails")
    expect(count).to_have_text("1 task")
    screenshot(page, "project-tasks")


def test_project_branches_and_milestones(bob_page: Page, world: World, metal) -> None:
    page = bob_page
    page.goto(f"/project/{metal['ironic']['id']}?view=branches")
    branches = page.get_by_role("region", name="Branches and milestones")
    expect(branches.get_by_role("listitem", name="Branch master")).to_be_visible()
    milestones = branches.get_by_role("list", name="Milestones of stable/2026.1")
    expect(milestones.get_by_role("link")).to_have_text(["2026.1-final", "2026.1-rc1"])
    # j moves through the branches.
    page.locator("body").press("j")
    expect(branches.get_by_role("listitem", name="Branch master")).to_be_focused()
    milestones.get_by_role("link", name="2026.1-rc1").click()
    expect(page.locator("p[aria-live]")).to_have_text("1 task")
    expect(page.get_by_label("Branch")).to_have_value(str(metal["stable"]["id"]))
    expect(page.get_by_role("link", name="Tasks")).to_have_attribute("aria-current", "page")


def test_project_group_page(page: Page, world: World, metal) -> None:
    group = metal["group"]
    page.goto(f"/project-group/{group['id']}?size=2&sort=id&dir=asc")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bare metal")
    projects = page.get_by_role("region", name="Projects")
    expect(projects.get_by_role("link")).to_have_text(["ironic", "ironic-client"])
    count = page.locator("p[aria-live]")
    expect(count).to_have_text("4 stories")
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(titles(page)).to_have_text(["Ironic console broken", "Client lists nodes slowly"])
    page.get_by_label("Merged").check()
    expect(count).to_have_text("1 story")
    expect(page).not_to_have_url(re.compile("page=2"))
    # Tasks across the group: the project column, branches named with their project.
    page.get_by_role("link", name="Tasks").click()
    expect(count).to_have_text("4 tasks")
    expect(page.locator("table.stories thead")).to_contain_text("Project")
    page.get_by_label("Branch").select_option(label="ironic / stable/2026.1")
    expect(count).to_have_text("2 tasks")
    screenshot(page, "project-group")
    # By name too; an unknown group says so.
    page.goto("/project-group/baremetal")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bare metal")
    page.goto("/project-group/999999")
    expect(page.get_by_role("heading", level=1)).to_have_text("Project group not found")


def test_stories_filtered_by_branch_and_milestone(page: Page, world: World) -> None:
    # Two projects of their own in a group of their own: a story counts once however many of its tasks
    # are on the branch, and a branch of the same name in another project is another branch.
    a = world.api()
    inspector = a.post("/projects", {"name": "ironic-inspector", "description": "Hardware inspection"})
    plugins = a.post("/projects", {"name": "ironic-inspector-plugins", "description": "Inspection plugins"})
    group = a.post("/project_groups", {"name": "inspection", "title": "Inspection"})
    for p in (inspector, plugins):
        a.call("PUT", f"/project_groups/{group['id']}/projects/{p['id']}")
    master = a.get("/branches", project_id=inspector["id"], name="master")[0]
    stable = a.post("/branches", {"name": "stable/2026.1", "project_id": inspector["id"]})
    rc1 = a.post("/milestones", {"name": "2026.1-rc1", "branch_id": stable["id"]})
    plugins_stable = a.post("/branches", {"name": "stable/2026.1", "project_id": plugins["id"]})
    for title, tasks in [
        ("Inspector on master only", [(inspector, {"branch_id": master["id"]})]),
        ("Inspector backported twice", [(inspector, {"branch_id": master["id"]}),
                                        (inspector, {"branch_id": stable["id"]}),
                                        (inspector, {"branch_id": stable["id"]})]),
        ("Inspector fixed in rc1", [(inspector, {"branch_id": stable["id"], "milestone_id": rc1["id"],
                                                 "status": "merged"})]),
        ("Plugins on their own stable", [(plugins, {"branch_id": plugins_stable["id"]})]),
    ]:
        s = a.post("/stories", {"title": title})
        for n, (project, task) in enumerate(tasks):
            a.post("/tasks", {"title": f"{title} {n}", "story_id": s["id"], "project_id": project["id"], **task})
    count = page.locator("p[aria-live]")
    page.goto("/project/ironic-inspector?sort=title&dir=asc")
    expect(count).to_have_text("3 stories")
    milestone = page.get_by_label("Milestone")
    expect(milestone).to_be_disabled()
    page.get_by_label("Branch").select_option(label="stable/2026.1")
    expect(count).to_have_text("2 stories")
    expect(titles(page)).to_have_text(["Inspector backported twice", "Inspector fixed in rc1"])
    expect(page).to_have_url(re.compile(f"branch={stable['id']}"))
    expect(milestone.locator("option")).to_have_text(["Any milestone", "2026.1-rc1"])
    milestone.select_option(label="2026.1-rc1")
    expect(count).to_have_text("1 story")
    expect(titles(page)).to_have_text(["Inspector fixed in rc1"])
    # A reload keeps both; the tasks view keeps them too.
    page.reload()
    expect(page.get_by_label("Branch")).to_have_value(str(stable["id"]))
    expect(milestone).to_have_value(str(rc1["id"]))
    expect(titles(page)).to_have_text(["Inspector fixed in rc1"])
    page.get_by_role("navigation", name="Project views").get_by_role("link", name="Tasks").click()
    expect(count).to_have_text("1 task")
    page.get_by_role("navigation", name="Project views").get_by_role("link", name="Stories").click()
    expect(count).to_have_text("1 story")
    # Another branch forgets the milestone.
    page.get_by_label("Branch").select_option(label="master")
    expect(page).not_to_have_url(re.compile("milestone="))
    expect(titles(page)).to_have_text(["Inspector backported twice", "Inspector on master only"])
    page.get_by_label("Branch").select_option(label="Any branch")
    expect(count).to_have_text("3 stories")
    # The group page: branches named with their project; a branch's stories from the branches view.
    page.goto(f"/project-group/{group['id']}?sort=title&dir=asc")
    expect(count).to_have_text("4 stories")
    page.get_by_label("Branch").select_option(label="ironic-inspector-plugins / stable/2026.1")
    expect(titles(page)).to_have_text(["Plugins on their own stable"])
    views = page.get_by_role("navigation", name="Project group views")
    views.get_by_role("link", name="Branches and milestones").click()
    page.get_by_role("link", name="stories with a task on ironic-inspector / stable/2026.1").click()
    expect(views.get_by_role("link", name="Stories")).to_have_attribute("aria-current", "page")
    expect(count).to_have_text("2 stories")
    expect(titles(page)).to_have_count(2)
    assert sorted(titles(page).all_inner_texts()) == ["Inspector backported twice", "Inspector fixed in rc1"]
    screenshot(page, "project-group-stories-by-branch")


def test_task_branch_and_milestone_inline(admin_page: Page, world: World, metal) -> None:
    page = admin_page
    a = world.api()
    story = a.post("/stories", {"title": "Backport the power fix"})
    task = a.post("/tasks", {"title": "Backport to stable", "story_id": story["id"],
                             "project_id": metal["ironic"]["id"], "branch_id": metal["stable"]["id"]})
    page.goto(f"/story/{story['id']}")
    row = page.locator(f"[data-task-id='{task['id']}']")
    expect(row.locator(".tag")).to_have_text("stable/2026.1")
    row.get_by_role("button", name="Edit").click()
    branch = row.get_by_label("Branch")
    milestone = row.get_by_label("Milestone")
    # Only the task's own project's branches; no milestone before the task is merged.
    expect(branch.locator("option")).to_have_text(["master", "stable/2026.1"])
    expect(milestone).to_be_disabled()
    expect(row.get_by_text("A milestone is set on merged tasks only.")).to_be_visible()
    row.get_by_label("Status of Backport to stable").select_option("merged")
    expect(milestone).to_be_enabled()
    # The inline status change is saved before someone else reopens the task (no race between the two).
    wait_for(lambda: a.get(f"/tasks/{task['id']}")["status"] == "merged")
    milestone.select_option(label="2026.1-rc1")
    # Meanwhile someone reopens the task: the server refuses, the error names the field, nothing is lost.
    a.call("PUT", f"/tasks/{task['id']}", json={"status": "todo"})
    row.get_by_label("Title").fill("Backport to stable/2026.1")
    row.get_by_role("button", name="Save").click()
    expect(row.locator(f"#task-{task['id']}-milestone-err")).to_have_text("A milestone can be set only on merged tasks")
    expect(row.get_by_label("Title")).to_have_value("Backport to stable/2026.1")
    assert a.get(f"/tasks/{task['id']}")["milestone_id"] is None
    a.call("PUT", f"/tasks/{task['id']}", json={"status": "merged"})
    row.get_by_role("button", name="Save").click()
    expect(row.get_by_label("Title")).to_have_count(0)
    saved = a.get(f"/tasks/{task['id']}")
    assert (saved["title"], saved["milestone_id"]) == ("Backport to stable/2026.1", metal["rc1"]["id"])
    expect(row.locator(".tag")).to_have_text(["stable/2026.1", "2026.1-rc1"])
    # Another branch drops the milestone.
    row.get_by_role("button", name="Edit").click()
    row.get_by_label("Branch").select_option(label="master")
    expect(row.get_by_label("Milestone")).to_have_value("")
    row.get_by_role("button", name="Save").click()
    expect(row.get_by_label("Title")).to_have_count(0)
    expect(row.locator(".tag")).to_have_count(0)
    saved = a.get(f"/tasks/{task['id']}")
    assert (saved["branch_id"], saved["milestone_id"]) == (metal["master"]["id"], None)


def test_superuser_adds_branches_and_milestones_and_phone_width(admin_page: Page, world: World, metal) -> None:
    page, a = admin_page, world.api()
    page.goto("/project/ironic?view=branches")
    name = page.get_by_label("New branch of ironic")
    name.fill("ab")
    page.get_by_role("button", name="Add branch to ironic").click()
    expect(page.locator(f"#new-branch-{metal['ironic']['id']}-err")).to_be_visible()
    expect(name).to_have_value("ab")
    assert [b["name"] for b in a.get("/branches", project_id=metal["ironic"]["id"])] == ["master", "stable/2026.1"]
    name.fill("stable/2026.2")
    page.get_by_role("button", name="Add branch to ironic").click()
    branch = page.get_by_role("listitem", name="Branch stable/2026.2")
    expect(branch).to_be_visible()
    expect(name).to_have_value("")
    branch.get_by_label("New milestone of stable/2026.2").fill("2026.2-rc1")
    branch.get_by_role("button", name="Add milestone").click()
    expect(page.get_by_role("list", name="Milestones of stable/2026.2").get_by_role("link")).to_have_text(["2026.2-rc1"])
    new = a.get("/branches", project_id=metal["ironic"]["id"], name="stable/2026.2")[0]
    assert [m["name"] for m in a.get("/milestones", branch_id=new["id"])] == ["2026.2-rc1"]
    # The filtered tasks view fits a phone.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/project/ironic?view=tasks&status=todo")
    expect(page.locator("p[aria-live]")).to_have_text(re.compile(r"^\d+ tasks?$"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the project page scrolls sideways on a phone ({width}px)"
    screenshot(page, "project-phone")
