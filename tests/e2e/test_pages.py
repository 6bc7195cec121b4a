"""Project page, creating a story, search, home, keyboard, old StoryBoard links, serving."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect
from webworld import World, screenshot


def test_project_page_filters_sorts_and_pages(page: Page, world: World) -> None:
    nova = world.projects["nova"]
    page.goto(f"/project/{nova['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("nova")
    rows = page.locator("table.stories tbody tr")
    expect(rows).to_have_count(25)
    r = httpx.get(f"{world.base}/api/v1/stories", params={"project_id": nova["id"], "limit": 1})
    expect(page.locator("p[aria-live]")).to_have_text(f"{r.headers['x-total']} stories")
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    assert "page=2" in page.url
    # Filter to merged stories, sorted by title ascending; the URL carries it all, a reload keeps it.
    page.get_by_label("Merged").check()
    expect(page).not_to_have_url(re.compile("page=2"))
    page.get_by_label("Sort by").select_option("title")
    page.get_by_label("Order").select_option("asc")
    expect(rows).to_have_count(10)
    page.reload()
    expect(page.get_by_label("Merged")).to_be_checked()
    expect(rows).to_have_count(10)
    titles = rows.locator("td:nth-child(2) a").all_inner_texts()
    assert titles == sorted(titles) and all(t.startswith("Nova story number") for t in titles)
    expect(rows.first.locator(".badge")).to_have_text("Merged")
    # The API agrees on the count.
    r = httpx.get(f"{world.base}/api/v1/stories", params={"project_id": nova["id"], "status": "merged", "limit": 1})
    expect(page.locator("p[aria-live]")).to_have_text(f"{r.headers['x-total']} stories")
    screenshot(page, "project")


def test_project_by_name_and_story_rows_by_keyboard(admin_page: Page, world: World) -> None:
    page = admin_page
    page.goto("/project/nova?sort=id&dir=asc")
    # A logged-in user's page size is their preference (StoryBoard's default when unset).
    size = world.api().get(f"/users/{world.admin['id']}/preferences")["project_detail_page_size"]
    expect(page.locator("table.stories tbody tr")).to_have_count(size)
    page.locator("body").press("j")
    page.keyboard.press("j")
    focused = page.locator("table.stories tbody tr").nth(1)
    expect(focused).to_be_focused()
    name = focused.get_attribute("aria-label")
    page.keyboard.press("e")
    expect(page).to_have_url(re.compile(r"/story/\d+\?edit=1$"))
    expect(page.get_by_label("Title", exact=True)).to_have_value(name)


def test_create_a_story_with_tasks_on_two_projects(admin_page: Page, world: World) -> None:
    page = admin_page
    page.goto("/")
    page.locator("body").press("c")
    expect(page).to_have_url(re.compile("/stories/new$"))
    page.get_by_label("Title", exact=True).fill("Bad")  # too short for the server
    page.get_by_label("Description (markdown)").fill("Steps:\n\n    nova list\n    nova boot x")
    page.get_by_label("Task 1 title").fill("Fix in nova")
    picker = page.get_by_role("searchbox", name="Projects for task 1")
    picker.fill("nova")
    page.get_by_role("button", name="Add nova").click()
    picker.fill("swift")
    page.get_by_role("button", name="Add swift-client").click()
    page.get_by_role("button", name="Create story").click()
    expect(page.locator("#title-err")).to_be_visible()
    # Nothing typed was lost.
    expect(page.get_by_label("Description (markdown)")).to_have_value("Steps:\n\n    nova list\n    nova boot x")
    expect(page.get_by_role("list", name="Chosen projects for task 1")).to_contain_text("swift-client")
    page.get_by_label("Title", exact=True).fill("Created from the web client")
    page.get_by_role("button", name="Add another task").click()
    page.get_by_label("Task 2 title").fill("Check glance")
    page.get_by_role("searchbox", name="Projects for task 2").fill("glance")
    page.get_by_role("button", name="Add glance").click()
    page.get_by_role("button", name="Create story").click()
    expect(page).to_have_url(re.compile(r"/story/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Created from the web client")
    expect(page.locator(".description pre")).to_contain_text("nova list\nnova boot x")
    story_id = int(page.url.rsplit("/", 1)[1])
    tasks = world.api().get(f"/stories/{story_id}/tasks")
    names = {p["id"]: n for n, p in world.projects.items()}
    assert sorted((t["title"], names[t["project_id"]]) for t in tasks) == [
        ("Check glance", "glance"), ("Fix in nova", "nova"), ("Fix in nova", "swift-client")]
    screenshot(page, "story-created")


def test_create_story_needs_login(page: Page, world: World) -> None:
    page.goto("/stories/new")
    expect(page.get_by_text("Log in to create a story.")).to_be_visible()


def test_search_as_you_type(page: Page, world: World) -> None:
    page.goto("/")
    page.locator("body").press("/")
    box = page.get_by_role("searchbox", name="Search stories, tasks, projects and users")
    expect(box).to_be_focused()
    box.press_sequentially("schedul", delay=20)
    results = page.locator(".search-results")
    expect(results.get_by_role("region", name="Stories")).to_contain_text("Scheduler loses instances under load")
    expect(results.get_by_role("region", name="Tasks")).to_contain_text("Fix the scheduler race")
    box.fill("glance")
    expect(results.get_by_role("region", name="Projects")).to_contain_text("glance")
    box.fill("Bob")
    expect(results.get_by_role("region", name="Users")).to_contain_text("Bob Builder")
    box.fill("scheduler")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=scheduler$"))
    expect(page.get_by_role("region", name="Stories")).to_contain_text("Scheduler loses instances under load")
    screenshot(page, "search")
    page.get_by_role("link", name=re.compile("Scheduler loses instances")).first.click()
    expect(page).to_have_url(re.compile(f"/story/{world.story['id']}$"))


def test_home_anonymous_and_logged_in(page: Page, bob_page: Page, world: World) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Recent activity")).to_be_visible()
    expect(page.locator(".activity li").first).to_be_visible()
    screenshot(page, "home-anonymous")
    bob_page.goto("/")
    expect(bob_page.get_by_role("heading", level=1)).to_have_text("Welcome, Bob Builder")
    mine = bob_page.get_by_role("region", name="My tasks")
    expect(mine.locator(".status-group h3")).to_have_count(3)
    groups = mine.locator(".status-group h3").all_inner_texts()
    assert [g.split(" (")[0] for g in groups] == ["Todo", "Review", "Merged"]
    expect(mine).to_contain_text("Bob's review task")
    screenshot(bob_page, "home-logged-in")


def test_keyboard_help_and_landmarks(page: Page, world: World) -> None:
    page.goto("/")
    page.locator("body").press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for key in ["?", "/", "c", "j", "k", "e"]:
        expect(dialog.locator("kbd", has_text=re.compile(f"^{re.escape(key)}$"))).to_have_count(1)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("banner")).to_be_visible()
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("search")).to_be_visible()
    # Typing in a field is never a shortcut.
    box = page.get_by_role("searchbox", name="Search stories, tasks, projects and users")
    box.fill("")
    box.press("c")
    expect(page).to_have_url(f"{world.base}/")


def test_phone_width(browser, world: World) -> None:
    context = browser.new_context(base_url=world.base, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto(f"/story/{world.story['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scheduler loses instances")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(page, "story-phone")
    context.close()


def test_old_storyboard_links_and_reload(page: Page, world: World) -> None:
    page.goto(f"/#!/story/{world.story['id']}")
    expect(page).to_have_url(f"{world.base}/story/{world.story['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scheduler loses instances")
    page.goto(f"/#!/project/{world.projects['glance']['id']}")
    expect(page).to_have_url(f"{world.base}/project/{world.projects['glance']['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("glance")
    page.goto("/story/999999")
    expect(page.get_by_role("heading", level=1)).to_have_text("Story not found")
    page.goto("/no/such/page")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")


def test_server_serves_the_client_and_keeps_api_errors_json(world: World) -> None:
    index = httpx.get(f"{world.base}/")
    assert index.status_code == 200 and '<div id="root">' in index.text
    deep = httpx.get(f"{world.base}/story/1?edit=1")
    assert deep.status_code == 200 and deep.text == index.text
    asset = re.search(r'src="(/assets/[^"]+\.js)"', index.text).group(1)
    js = httpx.get(f"{world.base}{asset}")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "immutable" in js.headers["cache-control"]
    for path in ["/v1/nothing", "/api/v1/nothing", "/preview/nothing", "/assets/missing.js"]:
        r = httpx.get(f"{world.base}{path}")
        assert r.status_code == 404 and r.headers["content-type"] == "application/json", path
    assert httpx.post(f"{world.base}/story/1").status_code == 404
    assert httpx.get(f"{world.base}/openapi.json").json()["info"]["title"] == "Storyline"
