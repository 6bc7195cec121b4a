"""The 1,500-task story stays fast: only the rows on screen are in the page."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from webworld import HUGE_TASKS, World, screenshot


def test_huge_story_renders_only_what_is_on_screen(admin_page: Page, world: World) -> None:
    page = admin_page
    page.goto(f"/story/{world.huge['id']}")
    rows = page.locator(".task-row")
    expect(rows.first).to_be_visible()
    expect(page.get_by_role("list", name=f"Tasks ({HUGE_TASKS})")).to_be_visible()
    assert 0 < rows.count() < 60, rows.count()
    # Scroll to the end: the last task of the last project appears, still few rows in the page.
    page.locator(".task-scroller").evaluate("el => el.scrollTop = el.scrollHeight")
    expect(page.locator(".task-title", has_text="Huge task 1499")).to_be_visible()
    assert rows.count() < 60
    # j/k walk the list through rows that were not rendered before.
    page.locator(".task-scroller").evaluate("el => el.scrollTop = 0")
    expect(page.locator(".task-title", has_text="Huge task 0000")).to_be_visible()
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(40):
        page.keyboard.press("j")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused and focused.startswith("Task Huge task"), focused
    page.keyboard.press("k")
    before = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert before != focused
    screenshot(page, "story-huge")
