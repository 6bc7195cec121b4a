"""Administration (projects, project groups and their projects, users), teams and their members,
preferences (list and timeline sizes, timeline event types, applied by the project and story pages)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from webworld import World, screenshot


def test_admin_creates_projects_groups_and_users(admin_page: Page, page: Page, world: World) -> None:
    a = world.api()
    admin = admin_page
    admin.goto("/")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Admin", exact=True).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Administration")
    # A bad name is refused next to its field; the description typed stays.
    admin.get_by_label("Project name").fill("x")
    admin.get_by_label("Project description").fill("Load balancing as a service")
    admin.get_by_role("button", name="Create project", exact=True).click()
    expect(admin.locator("#project-name-err")).to_be_visible()
    expect(admin.get_by_label("Project description")).to_have_value("Load balancing as a service")
    assert a.get("/projects", name="x") == []
    admin.get_by_label("Project name").fill("octavia")
    admin.get_by_role("button", name="Create project", exact=True).click()
    expect(admin.get_by_role("status").filter(has_text="Created octavia")).to_be_visible()
    octavia = a.get("/projects/octavia")
    assert octavia["description"] == "Load balancing as a service"
    # A group, then octavia in it.
    admin.get_by_label("Group name").fill("loadbalancing")
    admin.get_by_label("Group title").fill("Load balancing")
    admin.get_by_role("button", name="Create project group").click()
    expect(admin.get_by_role("status").filter(has_text="Created Load balancing")).to_be_visible()
    group = a.get("/project_groups/loadbalancing")
    admin.get_by_label("Project group", exact=True).select_option(label="Load balancing (loadbalancing)")
    admin.get_by_role("searchbox", name="Projects in the group").fill("octavia")
    admin.get_by_role("button", name="Add octavia").click()
    expect(admin.get_by_role("list", name="Chosen projects in the group")).to_contain_text("octavia")
    assert [p["name"] for p in a.get(f"/project_groups/{group['id']}/projects")] == ["octavia"]
    # A user: a too short e-mail address is refused next to its field, the name typed stays.
    admin.get_by_label("Full name").fill("Dora Developer")
    admin.get_by_label("E-mail").fill("d@x")
    admin.get_by_role("button", name="Create user").click()
    expect(admin.locator("#user-email-err")).to_be_visible()
    expect(admin.get_by_label("Full name")).to_have_value("Dora Developer")
    admin.get_by_label("E-mail").fill("dora@example.org")
    admin.get_by_role("button", name="Create user").click()
    expect(admin.get_by_role("status").filter(has_text="Created Dora Developer")).to_be_visible()
    [dora] = a.get("/users", email="dora@example.org")
    assert (dora["full_name"], dora["is_superuser"]) == ("Dora Developer", False)
    # Her rights: superuser.
    admin.get_by_label("Find a user").fill("Dora")
    admin.get_by_role("button", name="Choose Dora Developer").click()
    rights = admin.get_by_role("form", name="Rights of Dora Developer")
    rights.get_by_label("Superuser rights").check()
    rights.get_by_role("button", name="Save rights").click()
    expect(rights.get_by_role("status")).to_have_text("Saved.")
    assert a.get(f"/users/{dora['id']}")["is_superuser"] is True
    screenshot(admin, "admin")
    # Not for visitors.
    page.goto("/admin")
    expect(page.get_by_text("Only superusers administer Storyline.")).to_be_visible()
    expect(page.get_by_label("Project name")).to_have_count(0)


def test_teams_and_members(admin_page: Page, bob_page: Page, world: World) -> None:
    a = world.api()
    admin = admin_page
    admin.goto("/teams")
    admin.get_by_label("Name", exact=True).fill("core-reviewers")
    admin.get_by_label("Description").fill("Reviewers of the core projects")
    admin.get_by_role("button", name="Create team").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("core-reviewers")
    team = a.get("/teams/core-reviewers")
    expect(admin).to_have_url(re.compile(f"/team/{team['id']}$"))
    admin.get_by_label("Add a member").fill("Bob")
    admin.get_by_role("button", name="Add Bob Builder").click()
    members = admin.get_by_role("list", name="Members")
    expect(members).to_contain_text("Bob Builder")
    assert [u["id"] for u in a.get(f"/teams/{team['id']}/users")] == [world.bob["id"]]
    admin.get_by_label("Add a member").fill("Ada")
    admin.get_by_role("button", name="Add Ada Admin").click()
    expect(members.get_by_role("listitem")).to_have_count(2)
    members.get_by_role("button", name="Remove Bob Builder").click()
    expect(members.get_by_role("listitem")).to_have_count(1)
    assert [u["id"] for u in a.get(f"/teams/{team['id']}/users")] == [world.admin["id"]]
    admin.get_by_role("searchbox", name="Projects of the team").fill("swift")
    admin.get_by_role("button", name="Add swift-client").click()
    expect(admin.get_by_role("list", name="Chosen projects of the team")).to_contain_text("swift-client")
    assert [p["name"] for p in a.get(f"/teams/{team['id']}/projects")] == ["swift-client"]
    # A plain user reads teams but changes nothing.
    bob = bob_page
    bob.goto("/teams")
    bob.get_by_role("list", name="Teams").get_by_role("link", name="core-reviewers").click()
    expect(bob.get_by_role("list", name="Members")).to_contain_text("Ada Admin")
    expect(bob.get_by_role("list", name="Projects of the team")).to_have_text("swift-client")
    expect(bob.get_by_role("button", name=re.compile("^Remove"))).to_have_count(0)
    expect(bob.get_by_label("Add a member")).to_have_count(0)
    bob.goto("/teams")
    expect(bob.get_by_role("button", name="Create team")).to_have_count(0)


def test_preferences_apply_to_lists_and_timeline(bob_page: Page, world: World) -> None:
    page, bob = bob_page, world.api("bob")
    before = bob.get(f"/users/{world.bob['id']}/preferences")
    try:
        page.goto("/")
        page.get_by_label("Logged in as").click()  # the account menu
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Preferences").click()
        # The display preferences' form (the e-mail choices below it have their own "Task added").
        display = page.get_by_role("form", name="Preferences")
        size = page.get_by_label("Stories per page on a project page")
        expect(size).to_have_value(str(before["project_detail_page_size"]))
        size.fill("1000")
        display.get_by_label("Task added").uncheck()
        page.get_by_role("button", name="Save preferences").click()
        expect(page.locator("#pref-project_detail_page_size-err")).to_have_text(
            "Stories per page on a project page: a whole number from 5 to 100.")
        expect(display.get_by_label("Task added")).not_to_be_checked()
        assert bob.get(f"/users/{world.bob['id']}/preferences") == before
        size.fill("5")
        page.get_by_label("Events per page on a story's timeline").fill("5")
        page.get_by_role("button", name="Save preferences").click()
        expect(display.get_by_role("status")).to_have_text("Saved.")
        saved = bob.get(f"/users/{world.bob['id']}/preferences")
        assert saved["project_detail_page_size"] == 5 and saved["display_events_task_created"] is False
        assert saved["story_detail_page_size"] == 5
        # The project page lists five stories a page; the story page's timeline leaves out added tasks.
        page.goto(f"/project/{world.projects['nova']['id']}")
        expect(page.locator("table.stories tbody tr")).to_have_count(5)
        page.goto(f"/story/{world.story['id']}")
        timeline = page.locator(".timeline")
        # Five events a page, the earlier ones a click away each.
        heading = timeline.get_by_role("heading", name=re.compile(r"^Timeline \(\d+\)$"))
        expect(heading).to_be_visible()
        total = int(re.findall(r"\d+", heading.inner_text())[0])
        assert total > 5, total
        events = timeline.locator("ol.events > li")
        expect(events).to_have_count(5)
        earlier = timeline.get_by_role("button", name="Show earlier events")
        for shown in range(10, total + 5, 5):
            earlier.click()
            expect(events).to_have_count(min(shown, total))
        expect(earlier).to_have_count(0)
        expect(timeline).to_contain_text("I can reproduce this with nova boot")
        expect(timeline).to_contain_text("Some event types are hidden by your preferences.")
        expect(timeline).not_to_contain_text("added task")
    finally:
        bob.post(f"/users/{world.bob['id']}/preferences",
                 {"project_detail_page_size": None, "story_detail_page_size": None,
                  "display_events_task_created": None})
