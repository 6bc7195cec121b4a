"""The query language on the server (issue 15): negation, OR and parentheses on the search page, the server's
error at its position, completion of names, and a saved view shared with a team."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
from a11y import assert_accessible
from playwright.sync_api import Browser, Page, expect
from webworld import World, new_context, screenshot


def preview(world: World, method: str, path: str, token: str, **kw: object) -> httpx.Response:
    return httpx.request(method, f"{world.base}/preview{path}", headers={"Authorization": f"Bearer {token}"},
                         timeout=30, **kw)  # type: ignore[arg-type]


def test_qualifier_query_negation_or_and_errors(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    project = api.post("/projects", {"name": "quokka-lang", "description": "Query language fixtures"})
    for title, tags in (("Quokka alpha hops", "ui"), ("Quokka beta hops", "docs"), ("Quokka gamma hops", "ui,docs")):
        s = api.post("/stories", {"title": title})
        api.call("PUT", f"/stories/{s['id']}/tags", params={"tags": tags.split(",")})
        api.post("/tasks", {"title": f"Task of {title}", "story_id": s["id"], "project_id": project["id"]})

    page.goto("/search?q=" + quote("project:quokka-lang -tag:docs"))
    expect(page.locator(".result-count")).to_contain_text("1 story")
    rows = page.locator("table.stories tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Quokka alpha hops")

    query = page.get_by_label("Query")
    query.fill("(tag:ui OR tag:docs) project:quokka-lang sort:title-desc")
    query.press("Enter")
    expect(page.locator(".result-count")).to_contain_text("3 stories")
    expect(rows.first).to_contain_text("Quokka gamma hops")
    expect(rows.nth(2)).to_contain_text("Quokka alpha hops")
    query = page.get_by_label("Query")
    query.fill('"gamma hops" OR "beta hops" NOT tag:ui')
    query.press("Enter")
    expect(page.locator(".result-count")).to_contain_text("2 stories")
    assert_accessible(page)

    # Completion of a name the server knows: a project.
    query = page.get_by_label("Query")
    query.fill("is:open project:quokka-l")
    page.get_by_role("list", name=re.compile("Completions")).get_by_role("button", name="project:quokka-lang").click()
    expect(query).to_have_value("is:open project:quokka-lang ")

    # The server's refusal (a name that matches nothing) points at its characters, like the browser's own.
    query.fill("is:open project:no-such-project")
    query.press("Enter")
    alert = page.locator(".query-errors")
    expect(alert).to_contain_text('No project is named "no-such-project"')
    expect(alert).to_contain_text("characters 17–31")
    expect(alert.locator("mark")).to_have_text("no-such-project")
    expect(page.locator("table.stories")).to_have_count(0)
    # And the browser's: an unclosed parenthesis, before anything is asked.
    query = page.get_by_label("Query")
    query.fill("tag:ui (is:open OR is:closed")
    query.press("Enter")
    expect(alert).to_contain_text("A parenthesis is not closed")
    expect(alert.locator("mark")).to_have_text("(")
    assert_accessible(page)
    screenshot(page, "search-server-error")


def test_view_shared_with_a_team(admin_page: Page, browser: Browser, world: World) -> None:
    page = admin_page
    api = world.api()
    team = api.post("/teams", {"name": "quokka-keepers"})
    for user in (world.admin, world.bob):
        api.call("PUT", f"/teams/{team['id']}/users/{user['id']}")
    story = api.post("/stories", {"title": "Quokka delta keeps"})
    api.call("PUT", f"/stories/{story['id']}/tags", params={"tags": "ui"})
    page.goto("/stories?q=" + quote("tag:ui -tag:docs"))
    expect(page.locator(".result-count")).to_contain_text(re.compile(r"\d+ stor"))
    page.get_by_placeholder("Name this view").fill("UI without docs")
    page.get_by_label("on the home page").check()
    page.get_by_label("Share with").select_option(label="quokka-keepers")
    page.get_by_role("button", name="Save view").click()
    views = page.get_by_role("list", name="Saved views")
    expect(views).to_contain_text("shared with quokka-keepers")
    saved = preview(world, "GET", "/views", world.admin_token).json()
    mine = [v for v in saved if v["name"] == "UI without docs"]
    assert len(mine) == 1 and mine[0]["team_id"] == team["id"] and mine[0]["pinned_home"] is True

    # Bob, in the team, sees it pinned on his home page and opens it; he cannot change it.
    context = new_context(browser, world, world.bob_token)
    try:
        bob = context.new_page()
        bob.goto("/")
        pinned = bob.get_by_role("region", name="My views")
        expect(pinned.get_by_role("link", name="UI without docs")).to_be_visible()
        expect(pinned).to_contain_text("(shared)")
        pinned.get_by_role("link", name="UI without docs").click()
        expect(bob.get_by_label("Query")).to_have_value("tag:ui -tag:docs")
        expect(bob.locator("table.stories")).to_contain_text("Quokka delta keeps")
        bob_views = bob.get_by_role("list", name="Saved views")
        expect(bob_views.get_by_role("button", name="UI without docs", exact=True)).to_be_visible()
        expect(bob_views.get_by_role("button", name="Delete the view UI without docs")).to_have_count(0)
        assert_accessible(bob)
    finally:
        context.close()
    r = preview(world, "DELETE", f"/views/{mine[0]['id']}", world.bob_token)
    assert r.status_code == 403
    page.get_by_role("button", name="Delete the view UI without docs").click()
    expect(views.get_by_role("button", name="UI without docs", exact=True)).to_have_count(0)
