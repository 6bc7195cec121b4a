"""Saved views' columns and pins (issue 15), in the browser: the Stories page's column picker (show, hide and
move columns by keyboard, applied at once, saved with a new view or to the view it was opened from) and the
pin toggles of an existing view (the home page, a project; "Unpin" where it is pinned, "Pin here" on a
project's page), only for the view's owner, with a refusal said in words; at desktop and phone widths, with
axe-core on every page state."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from a11y import assert_accessible
from playwright.sync_api import Browser, Locator, Page, expect
from webworld import World, new_context, screenshot

PHONE = 390


def preview(world: World, method: str, path: str, token: str, body: Any = None) -> httpx.Response:
    return httpx.request(method, f"{world.base}/preview{path}", json=body,
                         headers={"Authorization": f"Bearer {token}"})


def view_named(world: World, name: str, token: str | None = None) -> dict[str, Any]:
    views = preview(world, "GET", "/views", token or world.admin_token).json()
    found = [v for v in views if v["name"] == name]
    assert len(found) == 1, views
    return found[0]


def stories_in(world: World, project_name: str, count: int) -> dict[str, Any]:
    api = world.api()
    project = api.post("/projects", {"name": project_name})
    for i in range(count):
        s = api.post("/stories", {"title": f"{project_name} story {i}"})
        api.post("/tasks", {"title": f"Task {i}", "story_id": s["id"], "project_id": project["id"]})
    return project


def open_picker(page: Page) -> Locator:
    """The column picker, unfolded (it stays as it was when the page opens another view)."""
    if page.locator(".column-picker").get_attribute("open") is None:
        page.locator(".column-picker > summary").click()
    picker = page.get_by_role("group", name="Columns of the list")
    expect(picker).to_be_visible()
    return picker


def headings(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("table.stories thead th").all_text_contents()]


def test_column_picker_applies_at_once_and_saves_with_the_view(admin_page: Page, world: World) -> None:
    page = admin_page
    stories_in(world, "columns-project", 3)
    page.goto("/stories?q=" + quote("project:columns-project sort:id-asc"))
    expect(page.locator("table.stories tbody tr")).to_have_count(3)
    assert headings(page) == ["", "#", "Title", "Status", "Tasks", "Assignees", "Tags", "Updated"]

    # Opened and used by keyboard only: the summary, then checkboxes (Space) and move buttons (Enter).
    summary = page.locator(".column-picker > summary")
    expect(summary).to_have_text("Columns (7 of 10)")
    summary.focus()
    page.keyboard.press("Enter")
    picker = page.get_by_role("group", name="Columns of the list")
    expect(picker).to_be_visible()
    expect(picker.get_by_role("checkbox", name="Title")).to_be_disabled()
    picker.get_by_role("checkbox", name="Tags").focus()
    page.keyboard.press("Space")
    picker.get_by_role("checkbox", name="Creator").focus()
    page.keyboard.press("Space")
    # At once: the table and the URL, without a reload or a click elsewhere.
    expect(page.locator("table.stories thead th")).to_have_text(
        ["", "#", "Title", "Status", "Tasks", "Assignees", "Updated", "Creator"])
    up = picker.get_by_role("button", name="Move Creator up")
    up.focus()
    page.keyboard.press("Enter")
    expect(up).to_be_focused()  # the focus follows the row it moved
    page.keyboard.press("Enter")
    expect(page.locator("table.stories thead th")).to_have_text(
        ["", "#", "Title", "Status", "Tasks", "Creator", "Assignees", "Updated"])
    expect(page).to_have_url(f"{world.base}/stories?q=project%3Acolumns-project+sort%3Aid-asc"
                             "&columns=id%2Ctitle%2Cstatus%2Cprogress%2Ccreator%2Cassignees%2Cupdated")
    expect(page.locator("table.stories tbody tr").first.locator("td").nth(5)).to_have_text("Ada Admin")
    expect(picker).to_contain_text("Creator is column 5 of 7.")
    expect(picker.get_by_role("button", name="Move Number up")).to_be_disabled()
    expect(picker.get_by_role("button", name="Move Updated down")).to_be_disabled()
    assert_accessible(page)
    screenshot(page, "view-columns-picker")

    # Saved with a new view, in that order.
    page.get_by_placeholder("Name this view").fill("Columns view")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("list", name="Saved views").get_by_role("button", name="Columns view", exact=True)).to_be_visible()
    view = view_named(world, "Columns view")
    assert view["columns"] == ["id", "title", "status", "progress", "creator", "assignees", "updated"]

    # Opened again, then changed: the view's owner saves the new columns to it.
    page.get_by_role("list", name="Saved views").get_by_role("button", name="Columns view", exact=True).click()
    expect(page.locator(".open-view")).to_contain_text("Saved view Columns view")
    expect(page.locator(".save-columns")).to_have_count(0)
    open_picker(page).get_by_role("checkbox", name="Status").uncheck()
    save = page.get_by_role("button", name="Save these columns to “Columns view”")
    expect(page.locator(".save-columns")).to_contain_text("The columns differ from the view’s.")
    save.click()
    expect(page.locator(".save-columns")).to_have_count(0)
    assert view_named(world, "Columns view")["columns"] == ["id", "title", "progress", "creator", "assignees", "updated"]
    assert_accessible(page)

    # The default columns: no parameter left in the URL.
    page.get_by_role("button", name="Default columns").click()
    expect(page.locator("table.stories thead th")).to_have_text(
        ["", "#", "Title", "Status", "Tasks", "Assignees", "Tags", "Updated"])
    assert "columns=" not in page.url
    assert preview(world, "DELETE", f"/views/{view['id']}", world.admin_token).status_code == 204


def test_column_picker_on_a_phone(browser: Browser, world: World) -> None:
    stories_in(world, "phone-columns", 2)
    context = new_context(browser, world, world.admin_token, width=PHONE)
    try:
        page = context.new_page()
        page.goto("/stories?q=" + quote("project:phone-columns") + "&columns=id,title,creator,project,updated,created")
        expect(page.locator("table.stories tbody tr")).to_have_count(2)
        picker = open_picker(page)
        picker.get_by_role("checkbox", name="Status").check()
        expect(page.locator("table.stories thead th")).to_have_text(
            ["", "#", "Title", "Creator", "Projects", "Updated", "Created", "Status"])
        # Chosen columns all show on a phone (the table scrolls sideways, not the page).
        expect(page.locator("table.stories thead th").last).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        box = picker.get_by_role("button", name="Move Status up").bounding_box()
        assert box is not None and box["width"] >= 40 and box["height"] >= 40, box  # a finger's target
        assert_accessible(page)
        screenshot(page, "view-columns-picker-phone")
    finally:
        context.close()


def test_pin_toggles_of_an_existing_view(admin_page: Page, world: World) -> None:
    page = admin_page
    project = stories_in(world, "pins-project", 1)
    created = preview(world, "POST", "/views", world.admin_token,
                      {"name": "Pin me", "query": "project:pins-project", "columns": ["id", "title", "creator"]})
    assert created.status_code == 200, created.text
    view = created.json()
    assert view["pinned_home"] is False and view["project_id"] is None

    page.goto("/stories")
    chips = page.get_by_role("list", name="Saved views")
    pins_button = chips.get_by_role("button", name="Pins of the view Pin me")
    expect(pins_button).to_have_attribute("aria-expanded", "false")
    pins_button.click()
    expect(pins_button).to_have_attribute("aria-expanded", "true")
    pins = page.get_by_role("region", name="Pins of the view Pin me")
    home = pins.get_by_role("button", name="On the home page")
    expect(home).to_have_attribute("aria-pressed", "false")
    home.click()
    expect(home).to_have_attribute("aria-pressed", "true")
    assert view_named(world, "Pin me")["pinned_home"] is True
    pins.get_by_label("Pin to a project").fill("pins-project")
    pins.get_by_role("button", name="Pin to pins-project").click()
    expect(pins).to_contain_text("Pinned to pins-project")
    assert view_named(world, "Pin me")["project_id"] == project["id"]
    # Other fields are kept by a pin.
    assert view_named(world, "Pin me")["columns"] == ["id", "title", "creator"]
    assert_accessible(page)
    screenshot(page, "view-pins")

    # Unpinned where it is pinned: the home page…
    page.goto("/")
    mine = page.get_by_role("region", name="My views")
    expect(mine.get_by_role("link", name="Pin me")).to_be_visible()
    assert_accessible(page)
    mine.get_by_role("button", name="Unpin the view Pin me from the home page").click()
    expect(mine.get_by_role("link", name="Pin me")).to_have_count(0)
    assert view_named(world, "Pin me")["pinned_home"] is False

    # …and the project's page, where it is pinned again from the list of one's views.
    page.goto(f"/project/{project['id']}")
    section = page.get_by_role("region", name="Saved views")
    listed = section.get_by_role("list", name="Views pinned to this project")
    expect(listed.get_by_role("link", name="Pin me")).to_be_visible()
    listed.get_by_role("button", name="Unpin the view Pin me from this project").click()
    expect(section).to_contain_text("No view is pinned to this project yet.")
    assert view_named(world, "Pin me")["project_id"] is None
    section.get_by_label("Pin one of your views here").select_option(label="Pin me")
    section.get_by_role("button", name="Pin here").click()
    expect(section.get_by_role("list", name="Views pinned to this project").get_by_role("link", name="Pin me")).to_be_visible()
    assert view_named(world, "Pin me")["project_id"] == project["id"]
    assert_accessible(page)

    # A refusal is said, with what was tried: the view was deleted meanwhile (another tab, the API).
    page.goto("/stories")
    page.get_by_role("list", name="Saved views").get_by_role("button", name="Pins of the view Pin me").click()
    pins = page.get_by_role("region", name="Pins of the view Pin me")
    expect(pins.get_by_role("button", name="On the home page")).to_be_visible()
    assert preview(world, "DELETE", f"/views/{view['id']}", world.admin_token).status_code == 204
    pins.get_by_role("button", name="On the home page").click()
    expect(page.get_by_role("alert")).to_have_text(f"Could not pin “Pin me” to the home page: View {view['id']} not found")
    expect(page.get_by_role("list", name="Saved views").get_by_role("button", name="Pin me", exact=True)).to_have_count(0)
    assert_accessible(page)


def test_only_the_owner_pins_a_shared_view(browser: Browser, world: World) -> None:
    api = world.api()
    team = api.post("/teams", {"name": "pin-sharers"})
    for user in (world.admin, world.bob):
        api.call("PUT", f"/teams/{team['id']}/users/{user['id']}")
    project = stories_in(world, "shared-pins", 1)
    view = preview(world, "POST", "/views", world.admin_token,
                   {"name": "Shared pinned view", "query": "project:shared-pins", "team_id": team["id"],
                    "pinned_home": True, "project_id": project["id"]}).json()
    context = new_context(browser, world, world.bob_token, width=PHONE)
    try:
        page = context.new_page()
        page.goto("/")
        shared = page.get_by_role("region", name="My views").locator("li", has_text="Shared pinned view")
        expect(shared).to_contain_text("(shared)")
        expect(shared.get_by_role("button")).to_have_count(0)  # no Unpin
        page.goto(f"/project/{project['id']}")
        listed = page.get_by_role("list", name="Views pinned to this project")
        expect(listed.get_by_role("link", name="Shared pinned view")).to_be_visible()
        expect(listed.get_by_role("button", name="Unpin the view Shared pinned view from this project")).to_have_count(0)
        page.goto("/stories")
        chips = page.get_by_role("list", name="Saved views")
        expect(chips.get_by_role("button", name="Shared pinned view", exact=True)).to_be_visible()
        expect(chips.get_by_role("button", name="Pins of the view Shared pinned view")).to_have_count(0)
        # The server refuses Bob too.
        r = preview(world, "PUT", f"/views/{view['id']}", world.bob_token, {"pinned_home": False})
        assert r.status_code == 403, r.text
        assert view_named(world, "Shared pinned view")["pinned_home"] is True
        assert_accessible(page)

        # Bob's own view, pinned from a phone.
        own = preview(world, "POST", "/views", world.bob_token, {"name": "Bob phone view", "query": "is:open"}).json()
        page.reload()
        page.get_by_role("list", name="Saved views").get_by_role("button", name="Pins of the view Bob phone view").click()
        pins = page.get_by_role("region", name="Pins of the view Bob phone view")
        pins.get_by_role("button", name="On the home page").click()
        expect(pins.get_by_role("button", name="On the home page")).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert_accessible(page)
        screenshot(page, "view-pins-phone")
        # Bob's views are counted by test_saved_views: this one goes.
        assert preview(world, "DELETE", f"/views/{own['id']}", world.bob_token).status_code == 204
    finally:
        context.close()
    assert preview(world, "DELETE", f"/views/{view['id']}", world.admin_token).status_code == 204


def test_a_projects_story_list_has_the_column_picker(admin_page: Page, world: World) -> None:
    """The project page's story list takes the same picker: a column shown at once, kept in the URL, and
    reloading keeps it, "Default columns" drops it; axe-core over the unfolded picker."""
    page = admin_page
    project = stories_in(world, "columns-on-project", 2)
    page.goto(f"/project/{project['id']}?sort=id&dir=asc")
    expect(page.locator("table.stories tbody tr")).to_have_count(2)
    assert "Creator" not in headings(page)
    picker = open_picker(page)
    picker.get_by_role("checkbox", name="Creator").check()
    expect(page.locator("table.stories thead th").last).to_have_text("Creator")
    assert "columns=" in page.url and "creator" in page.url
    expect(page.locator("table.stories tbody tr").first.locator("td").last).to_contain_text(world.admin["full_name"])
    assert_accessible(page)
    screenshot(page, "project-columns-picker")
    page.reload()  # the choice is the address's
    expect(page.locator("table.stories thead th").last).to_have_text("Creator")
    open_picker(page).get_by_role("button", name="Default columns").click()
    expect(page.locator("table.stories thead th", has_text="Creator")).to_have_count(0)
    assert "columns=" not in page.url
