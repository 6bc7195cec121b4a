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
    rendered_at_first = set(rows.evaluate_all("rows => rows.map(r => r.getAttribute('aria-label'))"))
    for _ in range(40):
        page.keyboard.press("j")
        # At a person's pace: each j lands on a task row, and the list renders the rows after it before
        # the next key (keys sent faster than a busy machine renders would run past the rows in the
        # document into the timeline below).
        page.wait_for_function("""() => {
            const rows = [...document.querySelectorAll('.task-row')];
            const i = rows.indexOf(document.activeElement);
            return i >= 0 && i < rows.length - 1;
        }""")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused and focused.startswith("Task Huge task"), focused
    assert focused not in rendered_at_first, (focused, sorted(rendered_at_first))
    page.keyboard.press("k")
    before = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert before != focused
    screenshot(page, "story-huge")
