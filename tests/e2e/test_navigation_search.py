"""Finding one's way (issue 15): the header's places, project and group lists, a project's planning
links, breadcrumbs; the search box's query language with counts and paging; saved views; axe-core."""

from __future__ import annotations

import re

import httpx
from a11y import assert_accessible
from playwright.sync_api import Page, expect
from webworld import World, screenshot


def total(world: World, path: str, **params: object) -> int:
    r = httpx.get(f"{world.base}/api/v1{path}", params={**params, "limit": 1},
                  headers={"Authorization": f"Bearer {world.admin_token}"})
    assert r.status_code == 200, r.text
    return int(r.headers["X-Total"])


def test_header_places_project_planning_and_breadcrumbs(admin_page: Page, world: World) -> None:
    page = admin_page
    api = world.api()
    nova = world.projects["nova"]["id"]
    board = api.post("/boards", {"title": "Nova release board", "project_id": nova, "lanes": []})
    worklist = api.post("/worklists", {"title": "Nova triage list", "project_id": nova})
    group = api.post("/project_groups", {"name": "compute-group", "title": "Compute projects"})
    api.call("PUT", f"/project_groups/{group['id']}/projects/{nova}")

    page.goto("/")
    main_nav = page.get_by_role("navigation", name="Main")
    for name in ["Projects", "Groups", "Stories", "Planning", "Teams"]:
        expect(main_nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    main_nav.get_by_role("link", name="Projects", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Projects")
    expect(page.get_by_text(re.compile(r"^\d+ projects$"))).to_be_visible()
    page.get_by_label("Filter by name").fill("swift")
    expect(page.locator(".browse-list li")).to_have_count(1)
    assert_accessible(page)
    page.get_by_label("Filter by name").fill("nov")
    page.locator(".browse-list").get_by_role("link", name="nova").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("nova")
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(crumbs).to_have_text(re.compile(r"Projects\s*›?\s*nova"))
    # The project's planning: its board, its worklist, its priority lists.
    planning = page.get_by_role("region", name="Planning")
    expect(planning.get_by_role("link", name="Nova release board")).to_have_attribute("href", f"/board/{board['id']}")
    expect(planning.get_by_role("link", name="Nova triage list")).to_have_attribute("href", f"/worklist/{worklist['id']}")
    expect(planning.get_by_role("link", name=re.compile("^Priorities"))).to_have_attribute("href", f"/priorities?project_id={nova}")
    assert_accessible(page)
    screenshot(page, "project-planning-links")
    planning.get_by_role("link", name="Nova release board").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nova release board")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("Planning")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="nova").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("nova")

    main_nav.get_by_role("link", name="Groups", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Project groups")
    page.get_by_role("link", name="Compute projects").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compute projects")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text("Project groups")

    # A story's breadcrumb names its project.
    page.goto(f"/story/{world.story['id']}")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_contain_text(f"#{world.story['id']}")
    expect(page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Stories")).to_be_visible()


def test_search_box_jumps_to_a_story_by_number(page: Page, world: World) -> None:
    sid = world.story["id"]
    page.goto("/project/glance")
    expect(page.get_by_role("heading", level=1)).to_have_text("glance")
    box = page.get_by_role("searchbox", name="Search stories, tasks, projects and users")
    box.fill(str(sid))
    expect(page.get_by_role("link", name=f"Go to story #{sid}")).to_be_visible()
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/story/{sid}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scheduler loses instances")
    box.fill(f"#{sid}")
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/story/{sid}$"))
    # Qualifiers as you type: the query's stories and their count, as on the full page.
    nova_open = total(world, "/stories", project_id=world.projects["nova"]["id"], status="active")
    box.fill("is:open project:nova")
    results = page.locator(".search-results")
    expect(results.get_by_role("link", name=f"All {nova_open} stories matching “is:open project:nova”")).to_be_visible()
    expect(results.get_by_role("region", name="Stories").get_by_role("link")).to_have_count(5)
    box.fill("is:sleeping")
    expect(results).to_contain_text("is: takes open, closed, active, merged or invalid")
    # A task number goes to its story.
    task = world.api().get(f"/stories/{sid}/tasks")[0]
    page.goto("/")
    box.fill(f"T{task['id']}")
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/story/{sid}$"))


def test_query_language_counts_and_pages(admin_page: Page, world: World) -> None:
    page = admin_page
    nova = world.projects["nova"]["id"]
    everything = total(world, "/stories", project_id=nova)
    open_ = total(world, "/stories", project_id=nova, status="active")
    assert everything > 25
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stories", exact=True).click()
    expect(page.get_by_label("Query")).to_have_value("is:open")
    query = page.get_by_label("Query")
    query.fill("project:nova sort:id-asc")
    query.press("Enter")
    expect(page.locator(".result-count")).to_contain_text(f"{everything} stories")
    expect(page.locator("table.stories tbody tr")).to_have_count(25)
    pages = page.get_by_role("navigation", name="Result pages")
    expect(pages).to_contain_text(f"Page 1 of {(everything + 24) // 25}")
    pages.get_by_role("button", name="Next").click()
    expect(page.locator(".result-count")).to_contain_text(f"26–{min(50, everything)} shown")
    expect(page.locator("table.stories tbody tr")).to_have_count(min(25, everything - 25))
    assert_accessible(page)

    # Completion: "is:" offers its values; a click takes one.
    query = page.get_by_label("Query")
    query.fill("project:nova is:")
    page.get_by_role("list", name=re.compile("Completions")).get_by_role("button", name="is:open").click()
    expect(query).to_have_value("project:nova is:open ")
    query.press("Enter")
    expect(page.locator(".result-count")).to_contain_text(f"{open_} stories")
    expect(page).to_have_url(re.compile(r"q=project%3Anova(\+|%20)is%3Aopen"))

    # Free text with qualifiers, and people: "assignee:@me" is Ada here; Bob's tasks are in glance.
    query = page.get_by_label("Query")
    query.fill("Scheduler is:open")
    query.press("Enter")
    expect(page.locator("table.stories")).to_contain_text("Scheduler loses instances under load")
    expect(page.get_by_role("complementary", name="Other matches")).to_be_visible()
    query = page.get_by_label("Query")
    query.fill('assignee:"Bob Builder"')
    query.press("Enter")
    expect(page.locator("table.stories")).to_contain_text("Scheduler loses instances under load")

    # A refused query says what and where, and nothing is searched.
    query = page.get_by_label("Query")
    query.fill("is:open is:sleeping")
    query.press("Enter")
    alert = page.locator(".query-errors")
    expect(alert).to_contain_text("is: takes open, closed, active, merged or invalid")
    expect(alert).to_contain_text("characters 12–19")
    expect(alert.locator("mark")).to_have_text("sleeping")
    assert_accessible(page)
    screenshot(page, "search-query-error")


def test_saved_views(bob_page: Page, world: World) -> None:
    page = bob_page
    page.goto("/stories?q=" + "assignee%3A%40me%20is%3Aopen")
    expect(page.locator(".result-count")).to_contain_text(re.compile(r"\d+ stor"))
    page.get_by_placeholder("Name this view").fill("My open work")
    page.get_by_role("button", name="Save view").click()
    views = page.get_by_role("list", name="Saved views")
    expect(views.get_by_role("button", name="My open work", exact=True)).to_be_visible()
    saved = httpx.get(f"{world.base}/preview/views", headers={"Authorization": f"Bearer {world.bob_token}"}).json()
    assert [(v["name"], v["query"]) for v in saved] == [("My open work", "assignee:@me is:open")]
    # Pinned on the home page.
    views.get_by_role("button", name="Pin the view My open work to the home page").click()
    expect(views.get_by_role("button", name="Unpin the view My open work from the home page")).to_be_visible()
    page.goto("/")
    pinned = page.get_by_role("region", name="My views")
    expect(pinned.get_by_role("link", name="My open work")).to_have_attribute(
        "href", f"/stories?q=assignee%3A%40me%20is%3Aopen&view={saved[0]['id']}")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stories", exact=True).click()
    expect(page.get_by_label("Query")).to_have_value("is:open")
    page.get_by_role("list", name="Saved views").get_by_role("button", name="My open work", exact=True).click()
    expect(page.get_by_label("Query")).to_have_value("assignee:@me is:open")
    expect(page.locator("table.stories")).to_contain_text("Scheduler loses instances under load")
    screenshot(page, "saved-views")
    page.get_by_role("button", name="Delete the view My open work").click()
    expect(page.get_by_role("list", name="Saved views").get_by_role("button", name="My open work", exact=True)).to_have_count(0)
    assert httpx.get(f"{world.base}/preview/views", headers={"Authorization": f"Bearer {world.bob_token}"}).json() == []
