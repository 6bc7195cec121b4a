"""The command palette (issue 15): Ctrl-K anywhere, pages, saved views, a story by number, matching
stories and projects, commands; listed under ? with the other shortcuts."""

from __future__ import annotations

import re

from a11y import assert_accessible
from playwright.sync_api import Page, expect
from webworld import World, screenshot


def test_ctrl_k_goes_anywhere_and_runs_commands(admin_page: Page, world: World) -> None:
    page = admin_page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ada Admin")
    # From inside a field too: Ctrl-K is never typed text.
    page.get_by_role("searchbox", name="Search stories, tasks, projects and users").focus()
    page.keyboard.press("Control+k")
    palette = page.get_by_role("dialog", name="Command palette")
    expect(palette).to_be_visible()
    box = palette.get_by_role("combobox", name="Go to or do")
    expect(box).to_be_focused()
    box.fill("proj")
    expect(palette.get_by_role("option").first).to_contain_text("Projects")
    assert_accessible(page)
    screenshot(page, "command-palette")
    box.press("Enter")
    expect(palette).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("Projects")

    # A story by number.
    page.keyboard.press("Control+k")
    box.fill(f"#{world.story['id']}")
    expect(palette.get_by_role("option", selected=True)).to_contain_text(f"Go to story #{world.story['id']}")
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/story/{world.story['id']}$"))

    # Stories and projects matching the words; arrows choose.
    page.keyboard.press("Meta+k")
    box.fill("glance")
    project = palette.get_by_role("option", name=re.compile(r"^glance\s+Project"))
    expect(project).to_be_visible()
    options = palette.get_by_role("option")
    index = next(i for i in range(options.count()) if re.match(r"^glance\s+Project", options.nth(i).inner_text()))
    for _ in range(index):
        box.press("ArrowDown")
    expect(project).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("glance")

    # A command: the keyboard shortcuts, which list Ctrl K; Escape closes the palette.
    page.keyboard.press("Control+k")
    box.fill("keyboard")
    box.press("Enter")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_be_visible()
    expect(shortcuts.locator("kbd", has_text="Ctrl K")).to_have_count(1)
    page.keyboard.press("Escape")
    page.keyboard.press("Control+k")
    expect(palette).to_be_visible()
    page.keyboard.press("Escape")
    expect(palette).to_be_hidden()


def test_palette_opens_saved_views(bob_page: Page, world: World) -> None:
    world.api("bob").post(f"/users/{world.bob['id']}/preferences", {"web_view:Bob's glance work": "is:open project:glance"})
    page = bob_page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Bob Builder")
    page.keyboard.press("Control+k")
    box = page.get_by_role("combobox", name="Go to or do")
    box.fill("glance work")
    expect(page.get_by_role("option", selected=True)).to_contain_text("Bob's glance work")
    box.press("Enter")
    expect(page.get_by_label("Query")).to_have_value("is:open project:glance")
    expect(page.locator(".result-count")).to_contain_text(re.compile(r"\d+ stor"))
