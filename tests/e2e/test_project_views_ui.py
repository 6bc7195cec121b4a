"""Saved views pinned to a project (issue 15): the project's page lists them (GET /preview/views with
project_id), each opens as a list of its results with the view's query, sort and columns; a new view
saved from the project's "New view" link is pinned to it."""

from __future__ import annotations

import httpx
from a11y import assert_accessible
from playwright.sync_api import Page, expect
from webworld import World, screenshot


def views(world: World, token: str, **params: object) -> list[dict[str, object]]:
    r = httpx.get(f"{world.base}/preview/views", params=params, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return r.json()


def test_project_page_lists_its_views_and_opens_them(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    project = api.post("/projects", {"name": "viewed-project", "description": "Has views pinned to it"})
    other = api.post("/projects", {"name": "unviewed-project"})
    titles = [f"Viewed story {i}" for i in range(3)]
    for title in titles:
        s = api.post("/stories", {"title": title})
        api.post("/tasks", {"title": f"Task of {title}", "story_id": s["id"], "project_id": project["id"]})
    headers = {"Authorization": f"Bearer {world.admin_token}"}
    pinned = httpx.post(f"{world.base}/preview/views", headers=headers, json={
        "name": "Newest first, with creators", "query": "project:viewed-project", "sort": "id-desc",
        "columns": ["id", "title", "creator", "project"], "project_id": project["id"]}).json()
    httpx.post(f"{world.base}/preview/views", headers=headers, json={
        "name": "Pinned elsewhere", "query": "is:open", "project_id": other["id"]}).raise_for_status()

    page.goto(f"/project/{project['id']}")
    section = page.get_by_role("region", name="Saved views")
    listed = section.get_by_role("list", name="Views pinned to this project")
    expect(listed.get_by_role("link", name="Newest first, with creators")).to_be_visible()
    expect(listed.locator("li")).to_have_count(1)  # not the view pinned to another project
    assert_accessible(page)
    screenshot(page, "project-views")

    listed.get_by_role("link", name="Newest first, with creators").click()
    expect(page).to_have_url(f"{world.base}/stories?q=project%3Aviewed-project%20sort%3Aid-desc"
                             f"&columns=id,title,creator,project&view={pinned['id']}")
    expect(page.get_by_label("Query")).to_have_value("project:viewed-project sort:id-desc")
    expect(page.locator(".open-view")).to_contain_text("Saved view Newest first, with creators")
    expect(page.locator(".open-view")).to_contain_text("pinned to viewed-project")
    table = page.locator("table.stories")
    # The view's columns, in its order (the title always), and its sort: newest first.
    expect(table.locator("thead th")).to_have_text(["", "#", "Title", "Creator", "Projects"])
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Viewed story 2")
    expect(rows.nth(2)).to_contain_text("Viewed story 0")
    expect(rows.nth(0).locator("td").nth(3)).to_have_text("Ada Admin")
    expect(rows.nth(0).locator("td").nth(4)).to_have_text("viewed-project")
    assert_accessible(page)
    screenshot(page, "project-view-opened")


def test_new_view_from_a_project_is_pinned_to_it(bob_page: Page, world: World) -> None:
    page = bob_page
    project = world.api().post("/projects", {"name": "bob-views-project"})
    page.goto(f"/project/{project['id']}")
    section = page.get_by_role("region", name="Saved views")
    expect(section).to_contain_text("No view is pinned to this project yet.")
    section.get_by_role("link", name="New view for this project").click()
    expect(page.get_by_label("Query")).to_have_value("is:open project:bob-views-project")
    pin = page.get_by_label("on the page of bob-views-project")
    expect(pin).to_be_checked()
    page.get_by_placeholder("Name this view").fill("Bob's project view")
    page.get_by_role("button", name="Save view").click()
    expect(page.get_by_role("list", name="Saved views").get_by_role("button", name="Bob's project view", exact=True)).to_be_visible()
    saved = views(world, world.bob_token, project_id=project["id"])
    assert [(v["name"], v["query"], v["project_id"]) for v in saved] == [
        ("Bob's project view", "is:open project:bob-views-project", project["id"])]
    page.goto(f"/project/{project['id']}")
    listed = page.get_by_role("list", name="Views pinned to this project")
    expect(listed.get_by_role("link", name="Bob's project view")).to_be_visible()
    # Ada (not in a team with Bob) does not see Bob's view on the project's page.
    assert all(v["name"] != "Bob's project view" for v in views(world, world.admin_token, project_id=project["id"]))
    # Bob's views are counted by test_saved_views: this one goes.
    r = httpx.delete(f"{world.base}/preview/views/{saved[0]['id']}", headers={"Authorization": f"Bearer {world.bob_token}"})
    assert r.status_code == 204, r.text
