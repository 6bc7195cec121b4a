"""Live lists (issue 15): search results, the home page's lists and an automatic worklist show another
person's changes without a reload, through the live stream (/preview/live, naming every project when
there are few enough, and the stories shown), each burst of notices read once; a stream ticket that
never answers falls back to polling. Latencies are printed."""

from __future__ import annotations

import statistics
import time
from urllib.parse import quote

from playwright.sync_api import Browser, Page, Route, expect
from webworld import WATCH, World, new_context, screenshot


def open_live(page: Page, path: str) -> None:
    """Open a page and wait until its live stream answered."""
    with page.expect_response(lambda r: "/preview/live?" in r.url and r.status == 200, timeout=20_000):
        page.goto(path)


def seen_after(page: Page, text: str, written: float) -> float:
    """Seconds from `written` (the write's answer) until `text` appeared on the page (WATCH)."""
    page.wait_for_function("t => window.__seen[t] !== undefined", arg=text, timeout=5000)
    return page.evaluate("t => window.__seen[t]", text) / 1000 - written


def test_search_results_hear_new_and_changed_stories(browser: Browser, world: World) -> None:
    api = world.api()
    # A project of its own: the world's projects are counted by other tests (a private story here would not be).
    project_id = api.post("/projects", {"name": "live-search-project"})["id"]
    tag = "livesearchlist"
    first = api.post("/stories", {"title": "Live search story first"})
    api.call("PUT", f"/stories/{first['id']}/tags", params={"tags": tag})
    api.post("/tasks", {"title": "Live search task", "story_id": first["id"], "project_id": project_id})
    context = new_context(browser, world, world.bob_token)
    try:
        bob = context.new_page()
        searches: list[str] = []
        bob.on("request", lambda r: searches.append(r.url) if "/preview/search?" in r.url else None)
        open_live(bob, f"/stories?q={quote(f'tag:{tag} sort:id-asc')}")
        rows = bob.locator("table.stories tbody tr")
        expect(rows).to_have_count(1)
        bob.evaluate(WATCH)
        latencies = []
        # A story that comes to match (a new one, tagged, with a task in a project), and a change to one shown.
        for i in range(3):
            title = f"Live search arrival {i} {time.time():.3f}"
            bob.evaluate("t => window.__watch.push(t)", title)
            s = api.post("/stories", {"title": title})
            api.post("/tasks", {"title": f"Arrival task {i}", "story_id": s["id"], "project_id": project_id})
            api.call("PUT", f"/stories/{s['id']}/tags", params={"tags": tag})
            latencies.append(seen_after(bob, title, time.time()))
        expect(rows).to_have_count(4)
        renamed = f"Live search story renamed {time.time():.3f}"
        bob.evaluate("t => window.__watch.push(t)", renamed)
        api.call("PUT", f"/stories/{first['id']}", json={"title": renamed})
        latencies.append(seen_after(bob, renamed, time.time()))
        # A private story with the tag is never shown to Bob (not on his list: the search answers without it).
        hidden = api.post("/stories", {"title": "Live search private", "private": True})
        api.post("/tasks", {"title": "Private task", "story_id": hidden["id"], "project_id": project_id})
        api.call("PUT", f"/stories/{hidden['id']}/tags", params={"tags": tag})
        shown = api.post("/stories", {"title": "Live search after the private one"})
        api.post("/tasks", {"title": "After task", "story_id": shown["id"], "project_id": project_id})
        api.call("PUT", f"/stories/{shown['id']}/tags", params={"tags": tag})
        expect(bob.get_by_role("link", name="Live search after the private one")).to_be_visible(timeout=5000)
        expect(bob.get_by_role("link", name="Live search private")).to_have_count(0)
        # A burst (five stories tagged) is read with few requests, not one per notice.
        before = len(searches)
        for i in range(5):
            s = api.post("/stories", {"title": f"Burst story {i}"})
            api.post("/tasks", {"title": f"Burst task {i}", "story_id": s["id"], "project_id": project_id})
            api.call("PUT", f"/stories/{s['id']}/tags", params={"tags": tag})
        expect(rows).to_have_count(10, timeout=5000)
        bob.wait_for_timeout(1500)
        burst_reads = len(searches) - before
        print(f"\nlive search list (SQLite, one `storyline serve`): the write's answer to the row in Bob's list: "
              f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
              f"({len(latencies)} changes); a burst of 15 writes read in {burst_reads} requests")
        assert statistics.median(latencies) < 1.0, latencies
        assert burst_reads < 15, burst_reads
        screenshot(bob, "live-search-list")
    finally:
        context.close()


def test_home_page_lists_hear_a_task_assigned(browser: Browser, world: World) -> None:
    api = world.api()
    story = api.post("/stories", {"title": "Live home story"})
    project = api.post("/projects", {"name": "live-home-project"})  # before the page: its stream names it
    context = new_context(browser, world, world.bob_token)
    try:
        bob = context.new_page()
        open_live(bob, "/")
        tasks = bob.get_by_role("region", name="My tasks")
        expect(tasks).to_be_visible()
        bob.evaluate(WATCH)
        title = f"Assigned to Bob live {time.time():.3f}"
        bob.evaluate("t => window.__watch.push(t)", title)
        t = api.post("/tasks", {"title": title, "story_id": story["id"], "project_id": project["id"]})
        api.call("PUT", f"/tasks/{t['id']}", json={"assignee_id": world.bob["id"]})
        latency = seen_after(bob, title, time.time())
        expect(tasks.get_by_role("link", name=title)).to_be_visible()
        print(f"\nlive home page: a task assigned to Bob shows in his list {latency * 1000:.0f} ms after the write")
        assert latency < 1.5, latency
        screenshot(bob, "live-home")
    finally:
        context.close()


def test_automatic_worklist_hears_a_story_that_comes_to_match(browser: Browser, world: World) -> None:
    api = world.api()
    tag = "liveautolist"
    worklist = api.post("/worklists", {"title": "Live automatic list", "automatic": True, "filters": [
        {"type": "Story", "filter_criteria": [{"field": "Tags", "value": tag}]}]})
    story = api.post("/stories", {"title": "Comes to match the automatic list"})
    project = api.post("/projects", {"name": "live-worklist-project"})
    api.post("/tasks", {"title": "Its task", "story_id": story["id"], "project_id": project["id"]})
    context = new_context(browser, world, world.bob_token)
    try:
        bob = context.new_page()
        open_live(bob, f"/worklist/{worklist['id']}")
        expect(bob.get_by_role("heading", name="Items (0)")).to_be_visible()
        api.call("PUT", f"/stories/{story['id']}/tags", params={"tags": tag})
        expect(bob.get_by_role("heading", name="Items (1)")).to_be_visible(timeout=3000)
        expect(bob.get_by_text("Comes to match the automatic list").first).to_be_visible()
        # And leaves it again.
        api.call("DELETE", f"/stories/{story['id']}/tags", params={"tags": tag})
        expect(bob.get_by_role("heading", name="Items (0)")).to_be_visible(timeout=3000)
    finally:
        context.close()


def test_board_automatic_lane_hears_a_story_that_comes_to_match(browser: Browser, world: World) -> None:
    api = world.api()
    tag = "liveboardlane"
    lane = api.post("/worklists", {"title": "Live automatic lane", "automatic": True, "filters": [
        {"type": "Story", "filter_criteria": [{"field": "Tags", "value": tag}]}]})
    board = api.post("/boards", {"title": "Live board with an automatic lane",
                                 "lanes": [{"list_id": lane["id"], "position": 0}]})
    project = api.post("/projects", {"name": "live-board-project"})
    story = api.post("/stories", {"title": "Enters the automatic lane"})
    api.post("/tasks", {"title": "Its task", "story_id": story["id"], "project_id": project["id"]})
    context = new_context(browser, world, world.bob_token)
    try:
        bob = context.new_page()
        open_live(bob, f"/board/{board['id']}")
        expect(bob.get_by_role("heading", name="Live board with an automatic lane")).to_be_visible()
        api.call("PUT", f"/stories/{story['id']}/tags", params={"tags": tag})
        expect(bob.get_by_text("Enters the automatic lane").first).to_be_visible(timeout=3000)
        screenshot(bob, "live-board-automatic-lane")
    finally:
        context.close()


def test_a_ticket_that_never_answers_falls_back_to_polling(browser: Browser, world: World) -> None:
    api = world.api()
    tag = "liveticketstuck"
    context = new_context(browser, world, world.bob_token)
    held: list[Route] = []
    try:
        bob = context.new_page()
        bob.route("**/preview/live/tickets", lambda route: held.append(route))  # never answered
        streams: list[str] = []
        searches: list[float] = []
        bob.on("request", lambda r: streams.append(r.url) if "/preview/live?" in r.url else None)
        bob.on("request", lambda r: searches.append(time.time()) if "/preview/search?" in r.url else None)
        opened = time.time()
        bob.goto(f"/stories?q={quote(f'tag:{tag}')}")
        expect(bob.get_by_text("0 stories")).to_be_visible()
        s = api.post("/stories", {"title": "Found by polling"})
        api.call("PUT", f"/stories/{s['id']}/tags", params={"tags": tag})
        # The ticket times out after 5 s; the page then polls every 3 s.
        expect(bob.get_by_role("link", name="Found by polling")).to_be_visible(timeout=15_000)
        arrived = time.time() - opened
        assert held, "the page asked for a ticket"
        assert streams == [], streams  # no stream without a ticket
        assert len([t for t in searches if t > opened + 4]) >= 1, searches
        print(f"\nstuck ticket: the story showed {arrived:.1f} s after the page opened (ticket time-out 5 s, "
              f"then polling every 3 s)")
    finally:
        context.close()
