"""A look people trust (issue 15): the design system's controls, dark mode after the system setting with
axe-core's colour contrast passing in both schemes, the one-line phone header, the first-run guide of an
instance without projects. Screenshots: tests/e2e/artifacts/look-<page>-<light|dark>-<desktop|phone>.png."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import pytest
from a11y import assert_accessible
from playwright.sync_api import Browser, BrowserContext, Page, expect
from webworld import World, screenshot, serve

Scheme = Literal["light", "dark"]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
PHONE_HEADER_MAX = 56  # px: one line at 390x844


@contextmanager
def browse(browser: Browser, world: World, token: str | None, scheme: Scheme, width: str) -> Iterator[Page]:
    w, h = WIDTHS[width]
    context: BrowserContext = browser.new_context(base_url=world.base, viewport={"width": w, "height": h},
                                                  color_scheme=scheme)
    context.set_default_timeout(10_000)
    if token:
        context.add_init_script(f"localStorage.setItem('storyline.token', {token!r})")
    try:
        yield context.new_page()
    finally:
        context.close()


def luminance(page: Page, selector: str, prop: str = "backgroundColor") -> float:
    """Relative luminance (WCAG) of a computed colour of the first element matching `selector`."""
    rgb: list[float] = page.evaluate(
        """([selector, prop]) => {
            const c = getComputedStyle(document.querySelector(selector))[prop];
            return c.match(/[\\d.]+/g).slice(0, 3).map(Number);
        }""",
        [selector, prop],
    )
    lin = [(c / 255) / 12.92 if c / 255 <= 0.03928 else (((c / 255) + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def main_pages(world: World) -> list[tuple[str, str, str]]:
    """(name, path, the level-1 heading it shows)."""
    return [
        ("home", "/", "Welcome, Ada Admin"),
        ("project", "/project/nova", "nova"),
        ("story", f"/story/{world.story['id']}", world.story["title"]),
        ("search", "/search?q=scheduler", "Search"),
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_main_pages_accessible_in_both_schemes_with_screenshots(browser: Browser, world: World, scheme: Scheme,
                                                                width: str) -> None:
    with browse(browser, world, world.admin_token, scheme, width) as page:
        for name, path, heading in main_pages(world):
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
            expect(page.locator("main")).not_to_contain_text("Loading…")
            # The scheme is the system's: a dark page in dark mode, a light one otherwise.
            bg, fg = luminance(page, "body"), luminance(page, "body", "color")
            if scheme == "dark":
                assert bg < 0.02 and fg > 0.6, (name, bg, fg)
            else:
                assert bg > 0.9 and fg < 0.05, (name, bg, fg)
            assert_accessible(page)  # colour-contrast included
            if width == "phone":
                header = page.get_by_role("banner").bounding_box()
                assert header is not None and header["height"] <= PHONE_HEADER_MAX, (name, header)
                assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"][0], name
            screenshot(page, f"look-{name}-{scheme}-{width}")


def computed(page: Page, selector: str, *props: str) -> dict[str, Any]:
    return page.evaluate("""([selector, props]) => {
        const s = getComputedStyle(document.querySelector(selector));
        return Object.fromEntries(props.map((p) => [p, s[p] ?? s.getPropertyValue(p)]));
    }""", [selector, list(props)])


def test_controls_are_the_design_systems_not_the_browsers(browser: Browser, world: World) -> None:
    with browse(browser, world, world.admin_token, "light", "desktop") as page:
        page.goto("/project/nova")
        expect(page.get_by_role("heading", level=1)).to_have_text("nova")
        # Logged in at 1280 px, the header is one line: the account's pages are in the name's menu.
        expect(page.get_by_label("Logged in as")).not_to_have_text("…")
        header = page.get_by_role("banner").bounding_box()
        assert header is not None and header["height"] <= PHONE_HEADER_MAX, header
        expect(page.get_by_role("link", name="Access tokens")).to_be_hidden()
        page.get_by_label("Logged in as").click()
        expect(page.get_by_role("link", name="Access tokens")).to_be_visible()
        page.keyboard.press("Escape")
        page.get_by_role("heading", level=1).click()  # a click elsewhere closes it
        expect(page.get_by_role("link", name="Access tokens")).to_be_hidden()
        filters = "form.filters"
        expect(page.locator(f"{filters} select").first).to_be_visible()
        assert computed(page, f"{filters} select", "appearance")["appearance"] == "none"
        box = computed(page, f"{filters} input[type=checkbox]", "appearance", "width", "borderRadius")
        assert box["appearance"] == "none" and box["borderRadius"] == "4px"
        assert abs(float(box["width"].removesuffix("px")) - 17.6) < 0.1, box  # 1.1rem, not the browser's 13px
        # The filter boxes of a row are one height, and their selects stand on one bottom line.
        rows: dict[int, set[int]] = {}
        labels = page.locator(f"{filters} > label:has(select)")
        assert labels.count() >= 3
        for i in range(labels.count()):
            label, select = labels.nth(i).bounding_box(), labels.nth(i).locator("select").bounding_box()
            assert label and select
            rows.setdefault(round(label["y"]), set()).add(round(select["y"] + select["height"]))
        assert all(len(bottoms) == 1 for bottoms in rows.values()), rows
        # Links: none underlined in the header or the story table; underlined in prose.
        assert computed(page, ".topbar nav a", "textDecorationLine")["textDecorationLine"] == "none"
        assert computed(page, "table.stories a", "textDecorationLine")["textDecorationLine"] == "none"
        page.goto(f"/story/{world.story['id']}")
        expect(page.get_by_role("heading", level=1)).to_contain_text(world.story["title"])
        button = page.get_by_role("button", name="Edit story").evaluate(
            "b => { const s = getComputedStyle(b); return {borderRadius: s.borderRadius, minHeight: s.minHeight,"
            " fontWeight: s.fontWeight}; }")
        assert button == {"borderRadius": "6px", "minHeight": "34px", "fontWeight": "600"}, button
        file_input = page.locator("input[type=file]")
        if file_input.count():
            assert computed(page, "input[type=file]", "borderStyle")["borderStyle"] == "dashed"


@pytest.fixture(scope="module")
def empty_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A fresh instance: two users, no project."""
    with serve(tmp_path_factory.mktemp("first-run")) as w:
        yield w


def test_first_run_guide_for_an_instance_without_projects(browser: Browser, empty_world: World) -> None:
    world = empty_world
    for scheme in ("light", "dark"):
        with browse(browser, world, None, scheme, "desktop") as page:
            page.goto("/")
            guide = page.get_by_role("region", name="Set up this Storyline")
            expect(guide).to_be_visible()
            expect(guide).to_contain_text('.venv/bin/storyline users create --name "Ada Admin"')
            expect(guide).to_contain_text(".venv/bin/storyline projects load projects.yaml")
            expect(guide).to_contain_text(f"{world.base}/api/v1/openid/authorize_return")
            expect(guide.get_by_role("link", name="Use a token")).to_have_attribute("href", "/login")
            assert_accessible(page)
            screenshot(page, f"look-first-run-{scheme}")
    with browse(browser, world, world.bob_token, "light", "phone") as page:
        page.goto("/")
        expect(page.get_by_role("region", name="No project yet")).to_be_visible()
        expect(page.get_by_role("region", name="Set up this Storyline")).to_have_count(0)
    with browse(browser, world, world.admin_token, "light", "desktop") as page:
        page.goto("/")
        guide = page.get_by_role("region", name="Set up this Storyline")
        expect(guide).to_contain_text("Done: you are logged in as Ada Admin, a superuser.")
        guide.get_by_role("link", name="Administration").click()
        page.get_by_label("Project name").fill("first/project")
        page.get_by_role("button", name="Create project", exact=True).click()
        expect(page.get_by_role("form", name="New project").get_by_role("status")).to_contain_text("first/project")
        page.get_by_role("banner").get_by_role("link", name="Storyline").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ada Admin")
        expect(page.get_by_role("region", name="Set up this Storyline")).to_have_count(0)
