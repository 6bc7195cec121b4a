"""Live updates in the browser: two people on the same story page (two browser contexts, each with its
own login); what one comments shows on the other's page within a second, through the server-sent
events stream (/preview/live), without a reload. The latency is measured and printed."""

from __future__ import annotations

import statistics
import time

from playwright.sync_api import Browser, Page, expect
from webworld import WATCH, World, new_context


def open_live(page: Page, path: str) -> None:
    """Open a page and wait until its live stream answered."""
    with page.expect_response(lambda r: "/preview/live?" in r.url and r.status == 200):
        page.goto(path)


def test_a_comment_shows_in_the_other_browser_within_a_second(browser: Browser, world: World) -> None:
    story = world.api().post("/stories", {"title": "Watched live by two people"})
    ada_context = new_context(browser, world, world.admin_token)
    bob_context = new_context(browser, world, world.bob_token)
    try:
        ada, bob = ada_context.new_page(), bob_context.new_page()
        ada.goto(f"/story/{story['id']}")
        open_live(bob, f"/story/{story['id']}")
        expect(bob.get_by_role("heading", name="Watched live by two people")).to_be_visible()
        bob.evaluate(WATCH)
        from_click, from_answer = [], []
        for i in range(5):
            text = f"Live comment number {i} at {time.time():.3f}"
            bob.evaluate("t => window.__watch.push(t)", text)
            ada.get_by_label("Add a comment (markdown", exact=False).fill(text)
            clicked = time.time()
            with ada.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/comments")) as answer:
                ada.get_by_role("button", name="Comment", exact=True).click()
            assert answer.value.status == 200
            answered = time.time()
            expect(bob.locator(".event.comment", has_text=text)).to_be_visible(timeout=5000)
            seen = bob.evaluate("t => window.__seen[t]", text) / 1000
            from_click.append(seen - clicked)
            from_answer.append(seen - answered)
        print(f"\nlive e2e (SQLite, one `storyline serve`): click in Ada's browser to the comment in Bob's: median "
              f"{statistics.median(from_click) * 1000:.0f} ms, max {max(from_click) * 1000:.0f} ms; from the write's "
              f"answer: median {statistics.median(from_answer) * 1000:.0f} ms, max {max(from_answer) * 1000:.0f} ms")
        assert statistics.median(from_click) < 1.0, from_click
        # Bob's page heard it on the stream: it tells who commented, without a reload.
        expect(bob.locator(".live-notice")).to_contain_text("Ada Admin")
    finally:
        ada_context.close()
        bob_context.close()


def test_a_board_shows_another_persons_card_without_a_reload(browser: Browser, world: World) -> None:
    a = world.api()
    todo = a.post("/worklists", {"title": "Live todo"})
    board = a.post("/boards", {"title": "Live board", "lanes": [{"list_id": todo["id"], "position": 0}]})
    story = a.post("/stories", {"title": "A card that arrives live"})
    bob_context = new_context(browser, world, world.bob_token)
    try:
        bob = bob_context.new_page()
        open_live(bob, f"/board/{board['id']}")
        expect(bob.get_by_role("heading", name="Live board")).to_be_visible()
        a.post(f"/worklists/{todo['id']}/items", {"item_id": story["id"], "item_type": "story"})
        expect(bob.get_by_text("A card that arrives live")).to_be_visible(timeout=3000)
    finally:
        bob_context.close()
